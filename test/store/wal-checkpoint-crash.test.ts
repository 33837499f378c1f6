/**
 * kill -9 of a process whose WAL checkpointer empties the WAL every few pages, in a worker thread
 * beside the writes: every row the writer saw committed is in the file when it is opened again, and
 * the file passes `PRAGMA integrity_check`. The checkpoints moved off the commit path lose nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { kill9, sleep, startChild } from '../support/crash.js';
import { scaled } from '../support/timing.js';

describe('WAL checkpoints in a worker under kill -9', () => {
  it('keeps every committed row across three crashes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-wal-crash-'));
    const file = path.join(dir, 'opsbook.db');
    try {
      for (let round = 0; round < 3; round++) {
        const committed: number[] = [];
        const child = await startChild('test/store/wal-writer.ts', [file], (line) => committed.push(Number(line)));
        // Past several emptyings of the WAL (40 pages is about 60 rows), then at a random moment.
        const deadline = Date.now() + scaled(30_000);
        while (committed.length < 400 && Date.now() < deadline) await sleep(10);
        await sleep(Math.random() * 200);
        expect(await kill9(child)).toBe(true);
        expect(committed.length).toBeGreaterThanOrEqual(400);

        const store = await openStore({ url: file });
        try {
          const check = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(store.db);
          expect(check.rows.map((r) => r.integrity_check)).toEqual(['ok']);
          const stored = new Set((await sql<{ id: number }>`select id from written`.execute(store.db)).rows.map((r) => Number(r.id)));
          expect(committed.filter((id) => !stored.has(id))).toEqual([]);
        } finally {
          await store.close();
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
