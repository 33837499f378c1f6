/**
 * Test stores that start with opsbook's store schema, for tests of something other than the
 * migrations: databases on the shared PostgreSQL, and SQLite files.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import { createMigratedDatabase, createScratchDatabase, type ScratchDatabase } from '../../src/store/index.js';
import { PG_ADMIN_URL } from './services.js';

/**
 * A value the test run's global setup provided, or undefined outside a Vitest worker: the torture,
 * chaos and game-day scripts build their stores with these helpers too, and Vitest's `inject`
 * throws ("Vitest failed to access its internal state") in a process Vitest did not start.
 */
function provided(key: 'pgStoreTemplate' | 'sqliteStoreTemplate'): string | undefined {
  return process.env.VITEST ? inject(key) : undefined;
}

/**
 * A fresh database for one test file holding the store as a daemon's start or `migrate()` leaves
 * it: a copy of the run's migrated template (test/support/pg-store-template.ts), or, without one,
 * a new database migrated here. `drop()` removes it.
 */
export async function createMigratedTestDatabase(prefix = 'opsbook_t'): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const template = provided('pgStoreTemplate');
  if (template) return createScratchDatabase(PG_ADMIN_URL, name, {}, template);
  return createMigratedDatabase(PG_ADMIN_URL, name);
}

/**
 * Puts a copy of the run's migrated SQLite store (test/support/sqlite-store-template.ts) at `file`,
 * absent until now, for a store that would be migrated first thing: opening it then finds every
 * migration recorded. Without a template (a run without the global setup) nothing is put there and
 * the store migrates itself as before.
 */
export function placeMigratedSqlite(file: string): void {
  const template = provided('sqliteStoreTemplate');
  if (!template || fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.copyFileSync(template, file, fs.constants.COPYFILE_EXCL);
}
