import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './database.js';
import { KyselyStore, type Store } from './store.js';
import { ListeningChangeFeed } from './change-feed.js';
import { redactUrl, type OpenStoreOptions } from './open-options.js';

/** A PostgreSQL store (a pg pool); loaded by `openStore` only for a postgres:// URL. */
export async function openPostgres(options: OpenStoreOptions): Promise<Store> {
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
  return new KyselyStore('postgres', db, redactUrl(options.url), undefined, undefined, new ListeningChangeFeed(options.url, pg.Client));
}
