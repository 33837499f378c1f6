import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver, type DatabaseConnection, type SqliteDialectConfig, type TransactionSettings } from 'kysely';
import type { SqliteConnection } from './sqlite-connection.js';

/**
 * Kysely's SQLite dialect, with transactions that work when several processes share the file (the
 * daemon and a CLI command, two daemons).
 *
 * Kysely begins a transaction with a plain BEGIN (DEFERRED): it reads under a snapshot and asks for
 * the write lock only at its first write. If another process committed in between, SQLite cannot
 * move the snapshot forward and fails that write with SQLITE_BUSY_SNAPSHOT at once; busy_timeout
 * does not help, since waiting cannot make the snapshot current. opsbook's transactions read before
 * they write (an incident before its note, the audit chain's head before its next entry), so a
 * write transaction here begins IMMEDIATE: it takes the write lock at BEGIN, where it waits for the
 * other process's commit (see SqliteConnection: without blocking the event loop), and then reads
 * what that commit left.
 *
 * Here rather than by rewriting the text `begin` in the statement cache: the driver is where Kysely
 * decides how a transaction starts, and it sees the transaction's settings, so one declared
 * `setAccessMode('read only')` (a long read that must not hold other processes' writers back)
 * stays DEFERRED. Within one process nothing changes: one transaction at a time holds the single
 * connection (SqliteConnection's turns, which replace Kysely's mutex).
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly settings: SqliteDialectConfig,
    private readonly connection: SqliteConnection,
  ) {
    super(settings);
  }

  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.settings, this.connection);
  }

  override createAdapter(): SqliteAdapter {
    return new TransactionalMigrationsAdapter();
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    settings: SqliteDialectConfig,
    private readonly connection: SqliteConnection,
  ) {
    super(settings);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    await this.connection.take();
    return this.connection;
  }

  override async releaseConnection(): Promise<void> {
    this.connection.give();
  }

  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(settings?.accessMode === 'read only' ? 'begin' : 'begin immediate'));
  }
}

/**
 * Kysely runs SQLite migrations outside any transaction, each statement committed alone, and takes
 * no lock (it assumes one connection is all there is). Two processes starting at once on a new file
 * then both find migrations pending and both run them: the slower fails on a table the other just
 * created ("table already exists"), and a crash part-way leaves a migration half applied. SQLite's
 * DDL is transactional, so the pending migrations run in one transaction, IMMEDIATE as above: the
 * second process waits at its BEGIN, then reads the migrations the first recorded and finds nothing
 * left to do; a failure rolls all of them back. As on PostgreSQL, where Kysely does the same.
 */
class TransactionalMigrationsAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
