export type { Database } from './database.js';
export type { Store, StoreDialect, MigrationReport } from './store.js';
export { knownMigrations } from './store.js';
export { openStore, isPostgresUrl, redactUrl, type OpenStoreOptions } from './open.js';
export * from './repos/tokens.js';
export * from './repos/audit.js';
export * from './repos/check-history.js';
export * from './repos/incidents.js';
export * from './repos/outbox.js';
