/**
 * Fencing a write: one statement share-locks the lease rows still held and names them in the
 * transaction's `opsbook.fence`, so the database (and the chaos run's triggers) can tell the epoch
 * each write was made under.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLease, ensureLeases, holdAndMark, openStore, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { createMigratedTestDatabase } from '../support/migrated-database.js';
import { postgresUp } from '../support/services.js';
import { scaled } from '../support/timing.js';

const up = await postgresUp();

describe.skipIf(!up)('holdAndMark', () => {
  let db: ScratchDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await createMigratedTestDatabase('opsbook_fence');
    store = await openStore({ url: db.url });
    await store.migrate();
    await ensureLeases(store.db, ['p0', 'p1', 'p2']);
  }, scaled(60_000));
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  const fence = async (trx: Parameters<typeof holdAndMark>[0]): Promise<string> =>
    (await sql<{ f: string | null }>`select current_setting('opsbook.fence', true) as f`.execute(trx)).rows[0]!.f ?? '';

  it('names the leases held under their epoch, not one passed on or held by another, after what was named before', async () => {
    const p0 = (await acquireLease(store.db, 'p0', 'a', 60_000))!;
    const p1 = (await acquireLease(store.db, 'p1', 'a', 60_000))!;
    const p2 = (await acquireLease(store.db, 'p2', 'b', 60_000))!;
    await store.db.transaction().execute(async (trx) => {
      await sql`select set_config('opsbook.fence', 'x|earlier@1', true)`.execute(trx);
      const held = await holdAndMark(trx, 'a', [p0, { lease: 'p1', epoch: p1.epoch - 1 }, p2, p0]);
      expect([...held]).toEqual([`p0@${p0.epoch}`]);
      expect((await fence(trx)).split(',')).toEqual(['x|earlier@1', `a|p0@${p0.epoch}`]);
    });
    // Nothing held: nothing named, the setting left as it was.
    await store.db.transaction().execute(async (trx) => {
      expect([...(await holdAndMark(trx, 'c', [p0, p2]))]).toEqual([]);
      expect(await fence(trx)).toBe('');
    });
    await store.db.transaction().execute(async (trx) => {
      const held = await holdAndMark(trx, 'a', [p1, p0]);
      expect([...held].sort()).toEqual([`p0@${p0.epoch}`, `p1@${p1.epoch}`]);
      expect((await fence(trx)).split(',').sort()).toEqual([`a|p0@${p0.epoch}`, `a|p1@${p1.epoch}`]);
    });
  });

  it('share-locks the rows it names: a takeover waits for the write to commit', async () => {
    await ensureLeases(store.db, ['p3']);
    const p3 = (await acquireLease(store.db, 'p3', 'c', 60_000))!;
    await store.db.transaction().execute(async (trx) => {
      expect([...(await holdAndMark(trx, 'c', [p3]))]).toEqual([`p3@${p3.epoch}`]);
      // Another session raising the epoch waits on the row: here it gives up after its lock timeout.
      await expect(
        store.db.transaction().execute(async (other) => {
          await sql`select set_config('lock_timeout', '300ms', true)`.execute(other);
          await sql`update cluster_leases set epoch = epoch + 1 where name = 'p3'`.execute(other);
        }),
      ).rejects.toThrow(/lock timeout/);
    });
  });
});
