/**
 * A partition gained while the pipeline is being built (after its rules were read, before it starts)
 * is moved into it at its start. One opsbook daemon (in-process, on a simulated clock) on a fresh
 * PostgreSQL database with three partitions, next to a second member written straight into the lease
 * table that holds partitions 1 and 2: the daemon starts with partition 0. The test holds the rules'
 * state table locked, so the pipeline's creation waits after it chose its rules; meanwhile the other
 * member gives partition 1 back and the daemon takes it. Once started, the daemon runs the checks of
 * both partitions and their rules: a failing check of partition 1 opens its incident.
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

describe.skipIf(!pgUp)('a partition gained between the pipeline\'s creation and its start', () => {
  const cluster = partitionGainedScene('gained-starting', async (start) => {
    const { store } = cluster;
    // The rules' state table stays locked until partition 1 has passed to the daemon.
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
    try {
      // The pipeline's creation waits on the lock, its rules chosen (those of partition 0).
      await until('the pipeline waits on the lock', async () => (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%alert_series%'`.execute(store.db)).rows[0]!.n === 1, 60_000);
      const p1 = partitionLease(1);
      await cluster.giveBack(p1, OTHER);
      await until('the daemon takes partition 1', async () => ![null, OTHER].includes(await holderOf(p1)), 30_000);
    } catch (e) {
      await starting.then((s) => s.close(), () => undefined);
      throw e;
    } finally {
      unlock();
      await lock;
    }
    return starting;
  });
  const { ops, runFor, incidentOf } = cluster;
  const holderOf = async (lease: string) => (await cluster.store.db.selectFrom('cluster_leases').select('holder').where('name', '=', lease).executeTakeFirstOrThrow()).holder;

  it('runs the checks of the partition gained and evaluates their rules', async () => {
    const { server, target } = cluster;
    expect([...server.daemon.cluster!.leases.keys()]).toContain(partitionLease(1));
    target.failing.add(a);
    target.failing.add(b);
    await runFor(2 * INTERVAL);
    expect(ops().checkState(b)?.probe.status).toBe('down');
    expect({ a: await incidentOf(a), b: await incidentOf(b) }).toEqual({ a: [{ state: 'triggered' }], b: [{ state: 'triggered' }] });
  }, scaled(120_000));
});
