/**
 * Vitest's global setup: opsbook's store migrated once into a SQLite file, for the tests whose fresh
 * SQLite store would be migrated first thing (a daemon's start, a harness's `migrate()`). Each such
 * store starts as a copy of this file (placeMigratedSqlite) instead of running every migration's DDL
 * again: 20-50 ms of a test's time per store against under 1 ms for the copy. The file is closed
 * (its write-ahead log checkpointed into it and removed) before any test copies it; removed after the
 * run. The store's own tests and every CLI still open an absent file and migrate it from nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openStore } from '../../src/store/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated, closed SQLite store file to copy; empty when it could not be made. */
    sqliteStoreTemplate: string;
  }
}

export default async function sqliteStoreTemplate(project: TestProject): Promise<() => void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-sqlite-template-'));
  const file = path.join(dir, 'opsbook.db');
  const store = await openStore({ url: file });
  try {
    await store.migrate();
  } finally {
    await store.close();
  }
  // A copy of the main file alone is the whole store only once the log is folded in and gone.
  if (fs.existsSync(`${file}-wal`)) throw new Error(`${file}-wal is left after closing the template store`);
  project.provide('sqliteStoreTemplate', file);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
