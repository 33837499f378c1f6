import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely';

/**
 * How long a statement waits for another process's lock on the file before SQLITE_BUSY stands
 * (OPSBOOK_E_STORE_BUSY): what the connection's busy_timeout was.
 */
export const SQLITE_BUSY_WAIT_MS = 5000;

/** The longest a query waits for a WAL checkpointer that asked the way (see `giveWayTo`). */
const GIVE_WAY_MS = 150;

/** The pauses between tries: doubling from the first, no longer than the longest. */
const FIRST_PAUSE_MS = 2;
const LONGEST_PAUSE_MS = 50;

/** What the connection needs of better-sqlite3: its prepared statements, and whether a transaction is open. */
export interface SqliteStatements {
  prepare(sql: string): SqliteStatement;
  readonly inTransaction: boolean;
}

interface SqliteStatement {
  /** Returns rows (a SELECT, or a write with RETURNING). */
  readonly reader: boolean;
  /** Changes nothing (sqlite3_stmt_readonly). */
  readonly readonly: boolean;
  all(parameters: readonly unknown[]): unknown[];
  run(parameters: readonly unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(parameters: readonly unknown[]): IterableIterator<unknown>;
}

/**
 * The one connection of a SQLite store, taken in turns by this process's queries and transactions,
 * that waits for another process's lock without stopping the event loop.
 *
 * better-sqlite3 is synchronous: with a busy_timeout, a statement that meets the write lock of
 * another process (a CLI command, a second daemon) sleeps inside SQLite, on the event loop's thread,
 * for up to the whole timeout; the daemon then answers no request, runs no probe and skews every
 * timing it takes. So the store's connection has busy_timeout 0, and a statement refused with
 * SQLITE_BUSY is tried again here after a short timer, growing from 2 ms to 50 ms, until
 * SQLITE_BUSY_WAIT_MS have passed; then its SQLITE_BUSY stands, as busy_timeout's did.
 *
 * Only a statement that did nothing is tried again:
 * - outside a transaction, which it did not open (an autocommit read or write, a BEGIN IMMEDIATE
 *   that did not begin: SQLite rolls a transaction back for a full disk or an I/O error, never for
 *   SQLITE_BUSY). The statement holds nothing while it waits, so it gives the connection back
 *   meanwhile: this process's other queries (a read for a page, readiness's ping) go on. Such
 *   statements wait in line, in the order they came.
 * - inside a transaction: a COMMIT refused (it stays open; SQLite says to try it again) and a read
 *   (nothing to undo), which keep the connection. opsbook's write transactions begin IMMEDIATE and
 *   so hold the write lock and their snapshot from BEGIN on: in WAL mode nothing after BEGIN meets
 *   SQLITE_BUSY. These cover the rare other cases (a read-only transaction's first read during WAL
 *   recovery, a file left in rollback-journal mode). A write refused inside a transaction
 *   (SQLITE_BUSY_SNAPSHOT: its snapshot is stale) is not tried again: only a new transaction helps.
 *
 * A caller holding the connection for several statements outside a transaction (`db.connection()`)
 * may see other queries of this process run between its own while one of them waits.
 */
export class SqliteConnection implements DatabaseConnection {
  private turn: Promise<void> | undefined;
  private endTurn: (() => void) | undefined;
  /** Ends when the last statement waiting for another process's lock outside a transaction has run or given up. */
  private waiting: Promise<void> | undefined;

  constructor(
    private readonly sqlite: SqliteStatements,
    private readonly waitMs = SQLITE_BUSY_WAIT_MS,
  ) {}

  /** While its first int is 1, a query or transaction about to take the connection waits (see `giveWayTo`). */
  private gate: Int32Array | undefined;

  /**
   * A WAL checkpointer in another thread (WalCheckpointer) that needs the write lock between two of
   * this process's transactions raises `gate` while it tries: a query or transaction about to begin
   * waits for it to come down, at most GIVE_WAY_MS, without stopping the event loop. Undefined: none.
   */
  giveWayTo(gate: Int32Array | undefined): void {
    this.gate = gate;
  }

  /** Waits until no other query or transaction of this process holds the connection, then holds it. */
  async take(): Promise<void> {
    while (this.turn) await this.turn;
    const gate = this.gate;
    if (gate !== undefined && Atomics.load(gate, 0) === 1) {
      const wait = Atomics.waitAsync(gate, 0, 1, GIVE_WAY_MS);
      if (wait.async) await wait.value;
      while (this.turn) await this.turn;
    }
    this.turn = new Promise((resolve) => (this.endTurn = resolve));
  }

  /** Lets the next waiting query or transaction have the connection. */
  give(): void {
    const end = this.endTurn;
    this.turn = undefined;
    this.endTurn = undefined;
    end?.();
  }

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return this.run<R>(query.sql, query.parameters);
  }

  /** Runs one statement on the connection (whoever holds it), waiting out another process's lock. */
  run<R>(sql: string, parameters: readonly unknown[]): Promise<QueryResult<R>> {
    try {
      return Promise.resolve(this.runOnce<R>(sql, parameters));
    } catch (e) {
      return this.waitForLock<R>(e, sql, parameters);
    }
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    for (const row of this.sqlite.prepare(query.sql).iterate(query.parameters)) yield { rows: [row as R] };
  }

  private runOnce<R>(sql: string, parameters: readonly unknown[]): QueryResult<R> {
    const stmt = this.sqlite.prepare(sql);
    if (stmt.reader) return { rows: stmt.all(parameters) as R[] };
    const { changes, lastInsertRowid } = stmt.run(parameters);
    return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
  }

  private async waitForLock<R>(error: unknown, sql: string, parameters: readonly unknown[]): Promise<QueryResult<R>> {
    const deadline = performance.now() + this.waitMs;
    const where = this.retryable(error, sql);
    if (!where) throw error;
    if (where === 'inside') return this.tryAgain<R>(error, sql, parameters, deadline, where);
    // In line behind the statements already waiting: one tries at a time, and they take the lock in
    // the order they came (as they took Kysely's mutex), not whichever's pause happens to end first.
    const ahead = this.waiting;
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    this.waiting = mine;
    try {
      if (ahead) {
        this.give();
        await ahead;
        await this.take();
      }
      return await this.tryAgain<R>(error, sql, parameters, deadline, where);
    } finally {
      if (this.waiting === mine) this.waiting = undefined;
      done();
    }
  }

  /** Tries the statement again after growing pauses until it runs, fails otherwise, or `deadline` passes. */
  private async tryAgain<R>(error: unknown, sql: string, parameters: readonly unknown[], deadline: number, where: 'outside' | 'inside'): Promise<QueryResult<R>> {
    for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(2 * pause, LONGEST_PAUSE_MS)) {
      const left = deadline - performance.now();
      if (left <= 0) throw error;
      if (where === 'outside') this.give();
      await sleep(Math.min(pause, left));
      if (where === 'outside') await this.take();
      try {
        return this.runOnce<R>(sql, parameters);
      } catch (e) {
        if (this.retryable(e, sql) !== where) throw e;
        error = e;
      }
    }
  }

  /** How a statement refused with `error` may be tried again (see the class), or undefined. */
  private retryable(error: unknown, sql: string): 'outside' | 'inside' | undefined {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY')) return undefined;
    if (!this.sqlite.inTransaction) return 'outside';
    if (code === 'SQLITE_BUSY_SNAPSHOT') return undefined;
    if (/^\s*(commit|end)\b/i.test(sql) || this.sqlite.prepare(sql).readonly) return 'inside';
    return undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
