import type { Store } from './store.js';
import { isPostgresUrl, type OpenStoreOptions } from './open-options.js';
import { OpsbookError } from '../lib/errors/index.js';

export { isPostgresUrl, redactUrl, type OpenStoreOptions } from './open-options.js';

/**
 * Opens the store a URL names. Each database's driver is loaded here, when one is opened: a command
 * on a SQLite store never loads pg, and one on PostgreSQL never loads better-sqlite3.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const store = isPostgresUrl(options.url)
    ? await (await import('./postgres.js')).openPostgres(options)
    : (await import('./sqlite.js')).openSqlite(options);
  try {
    await store.ping();
  } catch (e) {
    await store.close().catch(() => {});
    throw new OpsbookError('OPSBOOK_E_STORE_UNAVAILABLE', `store ${store.location} does not answer: ${(e as Error).message}`, { cause: e });
  }
  return store;
}
