/**
 * The databases a store suite runs on: a SQLite file in a temp dir, and a fresh PostgreSQL
 * database on the shared server (skipped with a reason when it is down).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { createMigratedTestDatabase, placeMigratedSqlite } from './migrated-database.js';
import { createTestDatabase, postgresUp } from './services.js';

export interface StoreTarget {
  name: 'sqlite' | 'postgres';
  open: () => Promise<{ url: string; cleanup: () => Promise<void> }>;
}

/**
 * With `migrated`, the PostgreSQL database starts with the store's schema (a copy of the run's
 * migrated template), and the SQLite file as a copy of the run's migrated one: for suites whose
 * store is migrated first thing anyway (a daemon's start, `migrate: true`), not for tests of the
 * migrations. Without `migrated` the SQLite file starts absent.
 */
export function storeTargets(prefix: string, options: { migrated?: boolean } = {}): StoreTarget[] {
  return [
    {
      name: 'sqlite',
      open: async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
        if (options.migrated) placeMigratedSqlite(path.join(dir, 'opsbook.db'));
        return { url: path.join(dir, 'opsbook.db'), cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
      },
    },
    {
      name: 'postgres',
      open: async () => {
        const name = prefix.replace(/-/g, '_');
        const tdb = options.migrated ? await createMigratedTestDatabase(name) : await createTestDatabase(name);
        return { url: tdb.url, cleanup: tdb.drop };
      },
    },
  ];
}

/** The target `name` of `storeTargets(prefix)`. */
export function storeTarget(prefix: string, name: StoreTarget['name'], options: { migrated?: boolean } = {}): StoreTarget {
  return storeTargets(prefix, options).find((t) => t.name === name)!;
}

/** A target with the store a suite runs on. */
export interface OpenTarget {
  name: StoreTarget['name'];
  /** The database's URL, for more connections to it. */
  readonly url: string;
  /** The store opened before the suite's tests (the latest one after `reopen`). */
  readonly store: Store;
  /** Closes the store and opens it again over the same database. */
  reopen(): Promise<Store>;
}

/**
 * `suite` once per target, as `${title} on sqlite|postgres` (PostgreSQL skipped when it is down), with a
 * store opened before its tests (and migrated, with `migrate`) and closed, its database removed, after them.
 */
export async function describeOnStores(prefix: string, title: string, options: { migrate?: boolean }, suite: (target: OpenTarget) => void): Promise<void> {
  const pgAvailable = await postgresUp();
  for (const target of storeTargets(prefix, { migrated: options.migrate === true })) {
    describe.skipIf(target.name === 'postgres' && !pgAvailable)(`${title} on ${target.name}`, () => {
      let opened: { url: string; cleanup: () => Promise<void> } | undefined;
      let store: Store | undefined;
      const open: OpenTarget = {
        name: target.name,
        get url() {
          return opened!.url;
        },
        get store() {
          return store!;
        },
        async reopen() {
          await store!.close();
          store = undefined;
          store = await openStore({ url: opened!.url });
          return store;
        },
      };
      beforeAll(async () => {
        opened = await target.open();
        store = await openStore({ url: opened.url });
        if (options.migrate) await store.migrate();
      });
      afterAll(async () => {
        try {
          await store?.close();
        } finally {
          await opened?.cleanup();
        }
      });
      suite(open);
    });
  }
}
