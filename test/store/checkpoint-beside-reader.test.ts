/**
 * The daemon's periodic WAL checkpoint (TRUNCATE) while another process on the same SQLite file is
 * in a long read. The checkpoint cannot truncate then; it says so at once instead of waiting out
 * busy_timeout, a wait that blocked the daemon's event loop (better-sqlite3 is synchronous) and,
 * holding the write lock, every writer of every process on the file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { appendAudit } from '../../src/store/repos/audit.js';
import { checkpointWal } from '../../src/store/repos/retention.js';
import { SQLITE_BUSY_WAIT_MS } from '../../src/store/sqlite-connection.js';
import { exited, startChild } from '../support/crash.js';

describe('a WAL checkpoint beside another process that reads', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-checkpoint-reader-'));
  const file = path.join(dir, 'opsbook.db');
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ url: file });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const write = async (n: number) => {
    for (let i = 0; i < n; i++) await appendAudit(store.db, store.dialect, { at: i, actor: 'ops', action: 'test.write', subject: `n:${i}`, details: {} });
  };

  it('gives up at once while the reader keeps the WAL, without waiting busy_timeout; truncates once it has gone', async () => {
    await write(20);
    const lines: string[] = [];
    const reader = await startChild('test/store/long-reader.ts', [file], (l) => lines.push(l));
    const release = () => fs.writeFileSync(path.join(dir, 'release'), '');
    try {
      expect(lines).toEqual(['read 20']);
      await write(20); // frames the reader's snapshot does not have: the checkpoint must wait for it to truncate
      const started = performance.now();
      const beside = await checkpointWal(store);
      const took = performance.now() - started;
      expect(beside?.busy).toBe(true);
      // The store's wait for a lock (5 s, once its busy_timeout) is what the old checkpoint waited;
      // answering is one pragma. The connection never waits inside SQLite (busy_timeout 0).
      expect(took).toBeLessThan(SQLITE_BUSY_WAIT_MS);
      expect(Number((await sql<{ timeout: number }>`pragma busy_timeout`.execute(store.db)).rows[0]!.timeout)).toBe(0);
    } finally {
      release();
      await exited(reader);
    }
    expect(await checkpointWal(store)).toEqual({ busy: false, walPages: 0 });
  });
});
