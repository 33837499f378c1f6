/**
 * WAL checkpoints in a worker thread: while it runs, the store's own connection never checkpoints on
 * commit, yet committed pages still reach the database file (the worker copies them) and the WAL stays
 * bounded under writes that never pause; the first commit after the WAL is emptied is the worker's.
 * Stopped, the store checkpoints on commit again as SQLite does by default.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scaled } from '../../test/support/timing.js';
import { openStore, WalCheckpointer, type Store } from './index.js';

const walBytes = (file: string) => fs.statSync(`${file}-wal`).size;
const pageSize = async (store: Store) => Number(Object.values((await sql.raw('pragma page_size').execute(store.db)).rows[0] as object)[0]);
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
    checkpointer = await WalCheckpointer.start(store, { lookEveryMs: 20, limitPages: 100 });
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

  it('keeps the WAL bounded under writes that never pause, the store connection checkpointing nothing', async () => {
    await sql`create table filler (id integer primary key, data blob)`.execute(store.db);
    checkpointer = await WalCheckpointer.start(store, { lookEveryMs: 20, limitPages: 250 });
    let largest = 0;
    let last = 0;
    let emptied = 0;
    let i = 0;
    // Transactions one after another, never pausing: a checkpoint that copies without holding the
    // writer back never catches up, so unless the worker takes the write lock between two
    // transactions to empty the file, the WAL never restarts and grows with every commit (3 KB of
    // blob, about 2 pages of frames each). How soon the worker empties it depends on the CPU its
    // thread gets beside the writer (on a quiet machine every 1–2 MB here; a loaded machine once
    // emptied it twice in the first 3,000): so the writes go on until it has been emptied three
    // times, and the WAL must stay bounded all along (30,000 transactions are about 700 MB of frames).
    for (; i < 30_000 && emptied < 3 && largest < 35_000_000; i++) {
      await store.db.transaction().execute(async (trx) => {
        await sql`insert into filler (data) values (randomblob(3000))`.execute(trx);
        await sql`delete from filler where id <= ${i - 100}`.execute(trx);
      });
      const size = walBytes(file);
      if (size < last) emptied++;
      largest = Math.max(largest, size);
      last = size;
    }
    expect(await autocheckpoint(store)).toBe(0);
    expect(emptied).toBe(3);
    expect(largest).toBeLessThan(35_000_000);
    expect((await sql<{ n: number }>`select count(*) as n from filler`.execute(store.db)).rows[0]!.n).toBe(Math.min(i, 101));
  });

  it('lets no query of this process begin while the checkpointer holds the gate up, and lets them go when it comes down', async () => {
    const gate = new Int32Array(new SharedArrayBuffer(4));
    store.giveWayTo!(gate);
    Atomics.store(gate, 0, 1);
    let ran = false;
    const query = sql`select 1 as one`.execute(store.db).then(() => (ran = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(ran).toBe(false);
    Atomics.store(gate, 0, 0);
    Atomics.notify(gate, 0);
    await query;
    expect(ran).toBe(true);
    store.giveWayTo!(undefined);
  });

  it('empties the WAL on request and makes the first commit after it itself', async () => {
    await sql`create table filler (id integer primary key, data blob)`.execute(store.db);
    checkpointer = await WalCheckpointer.start(store, { lookEveryMs: 60_000 });
    for (let i = 0; i < 50; i++) await sql`insert into filler (data) values (randomblob(3000))`.execute(store.db);
    expect(walBytes(file)).toBeGreaterThan(100_000);
    expect(await checkpointer!.truncate()).toEqual({ busy: false, walPages: 0 });
    // The WAL header and one frame (page 1, user_version rewritten as it was): the fsync of the header
    // that the first commit after a restart makes was the worker's, not a store commit's.
    expect(walBytes(file)).toBe(32 + 24 + (await pageSize(store)));
    await sql`insert into filler (data) values (randomblob(3000))`.execute(store.db);
    expect((await sql<{ n: number }>`select count(*) as n from filler`.execute(store.db)).rows[0]!.n).toBe(51);
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
