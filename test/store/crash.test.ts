/**
 * kill -9 during a burst of writes, then restart: the SQLite file passes `PRAGMA integrity_check`,
 * every write the writer saw committed is there with its hash chain intact, and migrations are
 * idempotent on the reopened store.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { listAudit, verifyAuditChain } from '../../src/store/repos/audit.js';
import { kill9, sleep, startChild } from '../support/crash.js';

/** Runs the audit writer until `killAfterMs` after it is ready, then SIGKILL; answers the seqs it saw committed. */
async function burstThenKill(file: string, killAfterMs: number): Promise<number[]> {
  const committed: number[] = [];
  const child = await startChild('test/store/audit-writer.ts', [file], (line) => committed.push(Number(line)));
  await sleep(killAfterMs);
  if (!(await kill9(child))) throw new Error('writer ended by itself; raise the loop bound');
  return committed;
}

describe('SQLite store under kill -9', () => {
  it('keeps every committed write and a consistent file across three crashes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-crash-'));
    const file = path.join(dir, 'opsbook.db');
    try {
      let seen = 0;
      for (const killAfter of [300 + Math.random() * 500, 200 + Math.random() * 600, 250 + Math.random() * 400]) {
        const committed = await burstThenKill(file, killAfter);
        expect(committed.length).toBeGreaterThan(0);
        seen = Math.max(seen, ...committed);

        const store = await openStore({ url: file });
        try {
          const check = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(store.db);
          expect(check.rows.map((r) => r.integrity_check)).toEqual(['ok']);
          expect((await store.migrate()).applied).toEqual([]);
          const entries = await listAudit(store.db);
          const stored = new Set(entries.map((e) => Number(e.seq)));
          const missing = committed.filter((s) => !stored.has(s));
          expect(missing).toEqual([]);
          expect(verifyAuditChain(entries)).toEqual([]);
          expect(entries.length).toBeGreaterThanOrEqual(seen);
        } finally {
          await store.close();
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
