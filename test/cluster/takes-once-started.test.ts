/**
 * A member takes its share of the leases only once its pipeline runs: a share taken before went
 * unprobed for as long as the pipeline took to build (seconds on a loaded machine, after a restart,
 * while the previous holder's leases had run out and no live member could take them). One opsbook
 * daemon (in-process, on a simulated clock) on a fresh PostgreSQL database with three partitions,
 * next to a second member written straight into the lease table that holds partitions 1 and 2. The
 * test holds the rules' state table locked, so the pipeline's creation waits; meanwhile the daemon
 * holds nothing, and partition 1, given back by the other member, stays free. Once started, the
 * daemon takes partitions 0 and 1 and runs the checks of both and their rules: a failing check of
 * each opens its incident.
 */
import type { Transaction } from 'kysely';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { partitionLease } from '../../src/cluster/index.js';
import type { Database } from '../../src/store/index.js';
import { postgresUp } from '../support/services.js';
import { until, scaled } from '../support/timing.js';
import { a, b, INTERVAL, OTHER, partitionGainedScene } from '../support/partition-gained.js';

const pgUp = await postgresUp();

describe.skipIf(!pgUp)('a member starting', () => {
  const cluster = partitionGainedScene('takes-started', async (start) => {
    const { store } = cluster;
    // The rules' state table stays locked while the test looks at the leases.
    let unlock!: () => void;
    const unlocked = new Promise<void>((r) => (unlock = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const lock = store.db.transaction().execute(async (trx: Transaction<Database>) => {
      await sql`lock table alert_series in access exclusive mode`.execute(trx);
      locked();
      await unlocked;
    });
    await isLocked;
    const starting = start();
    let failed: unknown;
    try {
      // The pipeline's creation waits on the lock.
      await until('the pipeline waits on the lock', async () => (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%alert_series%'`.execute(store.db)).rows[0]!.n === 1, 60_000);
      const p1 = partitionLease(1);
      await cluster.giveBack(p1, OTHER);
      // Joined, not yet a member: no lease taken, nor a membership row another member would share with.
      expect({ p0: await holderOf(partitionLease(0)), p1: await holderOf(p1), members: await memberCount() }).toEqual({ p0: null, p1: null, members: 0 });
    } catch (e) {
      failed = e;
    } finally {
      // Unlocked first: the start waits on the lock, and a failed test closes the daemon it started.
      unlock();
      await lock;
    }
    if (failed === undefined) return starting;
    await starting.then((s) => s.close(), () => undefined);
    throw failed;
  });
  const { ops, runFor, incidentOf } = cluster;
  const holderOf = async (lease: string) => (await cluster.store.db.selectFrom('cluster_leases').select('holder').where('name', '=', lease).executeTakeFirstOrThrow()).holder;
  const memberCount = async () => (await sql<{ n: number }>`select count(*)::int as n from cluster_members where id <> ${OTHER}`.execute(cluster.store.db)).rows[0]!.n;

  it('takes its share once its pipeline runs, and runs the checks of those partitions and their rules', async () => {
    const { server, target } = cluster;
    expect([...server.daemon.cluster!.leases.keys()].sort()).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
    target.failing.add(a);
    target.failing.add(b);
    await runFor(2 * INTERVAL);
    expect(ops().checkState(b)?.probe.status).toBe('down');
    expect({ a: await incidentOf(a), b: await incidentOf(b) }).toEqual({ a: [{ state: 'triggered' }], b: [{ state: 'triggered' }] });
  }, scaled(120_000));
});
