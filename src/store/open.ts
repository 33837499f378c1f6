import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { Database } from './database.js';
import { KyselyStore, type Store } from './store.js';
import { ListeningChangeFeed } from './change-feed.js';
import { OpsbookError } from '../lib/errors/index.js';

export interface OpenStoreOptions {
  /**
   * `postgres://…` / `postgresql://…` for PostgreSQL; anything else is a SQLite file path (relative
   * paths resolve against `baseDir`). `:memory:` gives a throwaway SQLite database.
   */
  url: string;
  baseDir?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /** PostgreSQL: the server ends a session left idle inside a transaction this long (ms). */
  idleInTransactionTimeoutMs?: number;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const store = isPostgresUrl(options.url) ? await openPostgres(options) : openSqlite(options);
  try {
    await store.ping();
  } catch (e) {
    await store.close().catch(() => {});
    throw new OpsbookError('OPSBOOK_E_STORE_UNAVAILABLE', `store ${store.location} does not answer: ${(e as Error).message}`, { cause: e });
  }
  return store;
}

function openSqlite(options: OpenStoreOptions): Store {
  const file = options.url === ':memory:' ? ':memory:' : path.resolve(options.baseDir ?? process.cwd(), options.url.replace(/^sqlite:(\/\/)?/, ''));
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  let sqlite: SqliteDatabase.Database;
  try {
    sqlite = new SqliteDatabase(file);
  } catch (e) {
    throw new OpsbookError('OPSBOOK_E_STORE_UNAVAILABLE', `cannot open SQLite database ${file}: ${(e as Error).message}`, { cause: e });
  }
  // WAL lets readers run beside the writer. synchronous=NORMAL is durable across a process crash
  // (kill -9); only an OS crash or power loss can drop the last transactions.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachedStatements(sqlite) }) });
  // One step (all pages at once) keeps the copy consistent: the backup API restarts a stepwise copy
  // whenever another connection writes, which under steady writes could never finish.
  const backup = async (dest: string) => {
    const progress = await sqlite.backup(dest, { progress: () => 0x7fffffff });
    return { pages: progress.totalPages };
  };
  return new KyselyStore('sqlite', db, file, undefined, file === ':memory:' ? undefined : backup);
}

/** Stands in for a ROLLBACK SQLite already did (see `cachedStatements`). */
const ALREADY_ROLLED_BACK = { reader: false, run: () => ({ changes: 0, lastInsertRowid: 0 }) };

/**
 * Kysely prepares every query afresh; preparing costs more than running most of opsbook's small
 * statements. The same SQL text reuses its prepared statement (a bounded cache). Reuse is safe:
 * better-sqlite3 runs statements synchronously and Kysely uses the connection one query at a time.
 */
function cachedStatements(sqlite: SqliteDatabase.Database, max = 512) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
      // SQLite rolls a transaction back by itself when a write meets a full disk (SQLITE_FULL) or
      // an I/O error; Kysely's ROLLBACK would then fail with "no transaction is active" and hide
      // the real error. Nothing is left to roll back, so the ROLLBACK does nothing.
      if (sql === 'rollback' && !sqlite.inTransaction) return ALREADY_ROLLED_BACK as unknown as SqliteDatabase.Statement;
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

async function openPostgres(options: OpenStoreOptions): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    ...(options.idleInTransactionTimeoutMs ? { options: `-c idle_in_transaction_session_timeout=${Math.round(options.idleInTransactionTimeoutMs)}` } : {}),
    // Instants are bigint epoch ms; they fit in a JS number, so read int8 as number, not string.
    types: {
      getTypeParser: (oid: number, format?: string) =>
        oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'),
    },
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on next use.
  });
  // A client checked out between two statements has no listener of the pool's: when the server
  // ends its session (restart, failover, dropped database) the error must not crash the process.
  // The statement in flight fails and reports it; readiness then shows the store failing.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new KyselyStore('postgres', db, redactUrl(options.url), undefined, undefined, new ListeningChangeFeed(options.url));
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
