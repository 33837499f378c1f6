/**
 * A look "now" asked for while a lease round is under way is not lost in it. The round may have read
 * the lease table before what prompted the look (a lease given back, a write refused by fencing);
 * answered by that round alone, the process would learn of it only at its next scheduled round, a
 * third of a lease later (100 s with this world's 5 min lease): the test reads when the lease was
 * taken, by PostgreSQL's clock, against when the held round was let go. One opsbook daemon in-process on a
 * fresh PostgreSQL database, a second member written straight into the lease table. The round is
 * held, deterministically, past its read of the leases: its last statement (pruning members gone
 * for ten leases) waits on a row lock the test holds on such a member's row.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { partitionLease } from '../../src/cluster/index.js';
import { openStore } from '../../src/store/index.js';
import { postgresUp } from '../support/services.js';
import { otherMemberHolding } from '../support/cluster.js';
import { clusterDaemon, clusterStorage } from '../support/cluster-daemon.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const OTHER = 'member_other';
const GONE = 'member_gone_long_ago';
const LEASE_MS = 5 * 60_000;
const LONG = 10 * 60_000;

describe.skipIf(!pgUp)('a look asked for while a lease round is under way', () => {
  const cluster = clusterDaemon({
    prefix: 'poke-during-round',
    before: (store) => otherMemberHolding(store.db, OTHER, PARTITIONS, [2], LONG),
    config: (url) => clusterStorage(url, PARTITIONS, '5m'),
  });

  it('gets a round of its own after it: a lease given back meanwhile is taken at once, not a third of a lease later', async () => {
    const { server, store } = cluster;
    const p0 = partitionLease(0);
    expect(cluster.leases()).toEqual([p0, partitionLease(1), 'singletons']);
    await cluster.takeBehindItsBack(p0, OTHER, LONG);
    server.daemon.cluster!.poke();
    await cluster.movedTo([partitionLease(1)]);

    // A member gone for far longer than ten leases (its row expired at the epoch): the next round's prune deletes its row, and waits
    // for the lock this test takes on it.
    await sql`insert into cluster_members (id, host, pid, url, started_at, heartbeat_at, expires_at) values (${GONE}, 'elsewhere', 2, 'http://127.0.0.1:1', 0, 0, 1)`.execute(store.db);
    const pgNow = async () => Number((await sql<{ now: string }>`select (extract(epoch from clock_timestamp()) * 1000)::bigint as now`.execute(store.db)).rows[0]!.now);
    let letGo = 0;
    const locker = await openStore({ url: server.daemon.config.storage.url! });
    let unlock!: () => void;
    const released = new Promise<void>((r) => (unlock = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = locker.db.transaction().execute(async (trx) => {
      await sql`select id from cluster_members where id = ${GONE} for update`.execute(trx);
      locked();
      await released;
    });
    try {
      await isLocked;
      // A round starts, reads the leases (p0 still the other member's), and waits in its prune.
      server.daemon.cluster!.poke();
      const waiting = async () =>
        Number((await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike 'delete from "cluster_members"%'`.execute(store.db)).rows[0]!.n);
      await expect.poll(waiting, { timeout: scaled(30_000), interval: 50 }).toBe(1);

      // Meanwhile the other member gives p0 back, and the process is asked to look again.
      await cluster.giveBack(p0, OTHER);
      server.daemon.cluster!.poke();
    } finally {
      letGo = await pgNow();
      unlock();
      await holding;
      await locker.close();
    }
    // The held round ends without p0 (it read p0 held); the look asked for after it takes it then,
    // not at the next scheduled round, a third of a lease after the held one ended.
    await expect.poll(cluster.leases, { timeout: scaled(300_000), interval: 50 }).toEqual([p0, partitionLease(1), 'singletons']);
    const row = (await sql<{ acquired_at: string; holder: string }>`select acquired_at, holder from cluster_leases where name = ${p0}`.execute(store.db)).rows[0]!;
    expect(Number(row.acquired_at) - letGo, 'ms from letting the held round go to p0 taken').toBeLessThan(LEASE_MS / 3);
  }, scaled(120_000));
});
