/**
 * Two opsbook processes started at once on a new SQLite file (two daemons, or the daemon and a CLI
 * command) both find the schema missing and migrate: one applies every migration, the other waits
 * for it and finds nothing left to apply. Neither fails, and no migration runs twice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { knownMigrations, openStore } from '../../src/store/index.js';
import { exited, startChild } from '../support/crash.js';

const FILES = 6;

describe('migrations run by two opsbook processes on one new SQLite file at once', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-simultaneous-migrate-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('apply every migration exactly once, and both processes start', async () => {
    const files = Array.from({ length: FILES }, (_, i) => path.join(dir, `opsbook-${i}.db`));
    const reports: Array<{ file: string; applied?: string[]; error?: string }> = [];
    const children = await Promise.all([0, 1].map(() => startChild('test/store/migrate-child.ts', files, (l) => reports.push(JSON.parse(l) as (typeof reports)[number]))));
    fs.writeFileSync(path.join(dir, 'go'), '');
    await Promise.all(children.map(exited));
    expect(reports.filter((r) => r.error)).toEqual([]);
    for (const file of files) {
      const name = path.basename(file);
      const applied = reports.filter((r) => r.file === name).flatMap((r) => r.applied!);
      expect(applied.sort()).toEqual(knownMigrations());
      const store = await openStore({ url: file });
      try {
        expect(await store.migrationStatus()).toEqual({ applied: knownMigrations(), pending: [] });
        const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(store.db);
        expect(check.rows.map((r) => r.integrity_check)).toEqual(['ok']);
      } finally {
        await store.close();
      }
    }
  });
});
