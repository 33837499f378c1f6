/**
 * The databases a store suite runs on: a SQLite file in a temp dir, and a fresh PostgreSQL
 * database on the shared server (skipped with a reason when it is down).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from './services.js';

export interface StoreTarget {
  name: 'sqlite' | 'postgres';
  open: () => Promise<{ url: string; cleanup: () => Promise<void> }>;
}

export function storeTargets(prefix: string): StoreTarget[] {
  return [
    {
      name: 'sqlite',
      open: async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
        return { url: path.join(dir, 'opsbook.db'), cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
      },
    },
    {
      name: 'postgres',
      open: async () => {
        const tdb = await createTestDatabase(prefix.replace(/-/g, '_'));
        return { url: tdb.url, cleanup: tdb.drop };
      },
    },
  ];
}
