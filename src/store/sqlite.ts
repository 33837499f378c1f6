import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Database } from './database.js';
import { KyselyStore, type Store } from './store.js';
import type { OpenStoreOptions } from './open-options.js';
import { OpsbookError } from '../lib/errors/index.js';
import { runPrecompiledDirectly } from './repos/precompiled.js';
import { sqliteLeaseOwners } from './lease-owners.js';
import { ImmediateSqliteDialect } from './sqlite-dialect.js';
import { SqliteConnection } from './sqlite-connection.js';

/** A SQLite store (better-sqlite3, WAL); loaded by `openStore` only for a SQLite URL. */
export function openSqlite(options: OpenStoreOptions): Store {
  const file = options.url === ':memory:' ? ':memory:' : path.resolve(options.baseDir ?? process.cwd(), options.url.replace(/^sqlite:(\/\/)?/, ''));
  let sqlite: SqliteDatabase.Database | undefined;
  // A directory that cannot be made, or a file that is not a database (SQLite reads the header at
  // the first pragma), is a store that cannot be opened, said with its path: not an internal error.
  try {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    sqlite = new SqliteDatabase(file);
    // WAL lets readers run beside the writer. synchronous=NORMAL is durable across a process crash
    // (kill -9); only an OS crash or power loss can drop the last transactions.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    // SQLite never sleeps on a lock here, on the event loop's thread: SqliteConnection waits for
    // another process's lock with timers, up to SQLITE_BUSY_WAIT_MS, as busy_timeout did.
    sqlite.pragma('busy_timeout = 0');
    sqlite.pragma('foreign_keys = ON');
  } catch (e) {
    sqlite?.close();
    throw new OpsbookError('OPSBOOK_E_STORE_UNAVAILABLE', `cannot open SQLite database ${file}: ${(e as Error).message}`, { cause: e });
  }
  const statements = cachedStatements(sqlite);
  const connection = new SqliteConnection(statements);
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: statements }, connection) });
  runPrecompiledDirectly(db, connection);
  // One step (all pages at once) keeps the copy consistent: the backup API restarts a stepwise copy
  // whenever another connection writes, which under steady writes could never finish.
  const backup = async (dest: string) => {
    const progress = await sqlite.backup(dest, { progress: () => 0x7fffffff });
    return { pages: progress.totalPages };
  };
  if (file === ':memory:') return new KyselyStore('sqlite', db, file);
  const store = new KyselyStore('sqlite', db, file, undefined, backup, undefined, sqliteLeaseOwners(file));
  store.giveWayTo = (gate) => connection.giveWayTo(gate);
  return store;
}

/** Stands in for a ROLLBACK SQLite already did (see `cachedStatements`). */
const ALREADY_ROLLED_BACK = { reader: false, readonly: false, run: () => ({ changes: 0, lastInsertRowid: 0 }) };

/**
 * Kysely prepares every query afresh; preparing costs more than running most of opsbook's small
 * statements. The same SQL text reuses its prepared statement (a bounded cache). Reuse is safe:
 * better-sqlite3 runs statements synchronously and Kysely uses the connection one query at a time.
 */
function cachedStatements(sqlite: SqliteDatabase.Database, max = 512) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    get inTransaction() {
      return sqlite.inTransaction;
    },
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
