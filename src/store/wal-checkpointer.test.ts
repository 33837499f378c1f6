/**
 * WAL checkpoints in a worker thread: while it runs, the store's own connection never checkpoints on
 * commit, yet committed pages still reach the database file (the worker copies them); stopped, the
 * store checkpoints on commit again as SQLite does by default.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scaled } from '../../test/support/timing.js';
import { openStore, WalCheckpointer, type Store } from './index.js';

const autocheckpoint = async (store: Store) => Number(Object.values((await sql.raw('pragma wal_autocheckpoint').execute(store.db)).rows[0] as object)[0]);

describe('WAL checkpointer', () => {
  let dir: string;
  let file: string;
  let store: Store;
  let checkpointer: WalCheckpointer | undefined;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-wal-checkpointer-'));
    file = path.join(dir, 'opsbook.db');
    store = await openStore({ url: file });
  });
  afterEach(async () => {
    await checkpointer?.stop();
    checkpointer = undefined;
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes checkpoints off the store connection and still copies committed pages into the database file', async () => {
    await sql`create table filler (id integer primary key, data blob)`.execute(store.db);
    checkpointer = await WalCheckpointer.start(store, { everyMs: 20 });
    expect(checkpointer?.running).toBe(true);
    expect(await autocheckpoint(store)).toBe(0);
    const before = fs.statSync(file).size;
    // About 2 MB (500 pages of 4 KiB): the database file grows only when a checkpoint copies them.
    for (let i = 0; i < 500; i++) await sql`insert into filler (data) values (randomblob(4000))`.execute(store.db);
    const deadline = Date.now() + scaled(20_000);
    while (fs.statSync(file).size < before + 1_500_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(fs.statSync(file).size).toBeGreaterThan(before + 1_500_000);
    expect((await sql<{ n: number }>`select count(*) as n from filler`.execute(store.db)).rows[0]!.n).toBe(500);

    await checkpointer!.stop();
    expect(checkpointer!.running).toBe(false);
    expect(await autocheckpoint(store)).toBe(1000);
  });

  it('is not started for a database in memory', async () => {
    const memory = await openStore({ url: ':memory:' });
    try {
      expect(await WalCheckpointer.start(memory)).toBeUndefined();
      expect(await autocheckpoint(memory)).toBe(1000);
    } finally {
      await memory.close();
    }
  });
});
