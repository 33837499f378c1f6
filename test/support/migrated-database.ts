/**
 * Test databases on the shared PostgreSQL that start with opsbook's store schema, for tests of
 * something other than the migrations.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createMigratedDatabase, createScratchDatabase, type ScratchDatabase } from '../../src/store/index.js';
import { PG_ADMIN_URL } from './services.js';

/**
 * A fresh database for one test file holding the store as a daemon's start or `migrate()` leaves
 * it: a copy of the run's migrated template (test/support/pg-store-template.ts), or, without one,
 * a new database migrated here. `drop()` removes it.
 */
export async function createMigratedTestDatabase(prefix = 'opsbook_t'): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const template = inject('pgStoreTemplate');
  if (template) return createScratchDatabase(PG_ADMIN_URL, name, {}, template);
  return createMigratedDatabase(PG_ADMIN_URL, name);
}
