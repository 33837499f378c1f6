/**
 * A check taken over from another process runs at once when its last run is older than its
 * interval, and keeps its phase slot when it ran recently. One opsbook daemon (in-process, on a
 * simulated clock) on a fresh PostgreSQL database with three partitions, next to a second member
 * written straight into the lease table that holds partitions 1 and 2; the daemon starts with
 * partition 0. The checks run every minute, so a run at once (within the catch-up window of a few
 * seconds) is told apart from one at the check's phase, tens of seconds later. Results the other
 * member stored before the daemon started say when each check last ran:
 * - `held` (partition 0, held from the start) and `stale` (partition 1, gained later) last ran 90 s
 *   before the start: the previous holder died before their next run;
 * - `recent` (partition 1) ran at its slot in the last interval: its next run is its phase slot.
 */
import { describe, expect, it } from 'vitest';
import { partitionLease } from '../../src/cluster/index.js';
import { nextSlot, phaseOf } from '../../src/checks/scheduler/plan.js';
import { insertResults } from '../../src/store/index.js';
import { postgresUp } from '../support/services.js';
import { otherMemberHolding } from '../support/cluster.js';
import { clusterDaemon, clusterStorage, idInPartition, probeCheck } from '../support/cluster-daemon.js';
import { minuteNow } from '../support/simulated-daemon.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const INTERVAL = 60_000;
/** The scheduler's tick, on which phases fall. */
const TICK = 50;
const OTHER = 'member_other';
const LONG = 10 * 60_000;
/** A check overdue when taken over runs within this (the catch-up window, plus slack for a tick and the probe). */
const AT_ONCE = 3_000;

const phase = (id: string) => phaseOf(id, INTERVAL, TICK);
const t0 = minuteNow();
/** Checks whose phase slot after the start is at least 30 s away: a run at its phase is not a run at once. */
const late = (id: string) => phase(id) >= 30_000;
const held = idInPartition(PARTITIONS, 0, 'held', late);
const stale = idInPartition(PARTITIONS, 1, 'stale', late);
/** Its slot in the minute before the start is 10–40 s before it; its next, 20–50 s after. */
const recent = idInPartition(PARTITIONS, 1, 'recent', (id) => phase(id) >= 20_000 && phase(id) <= 50_000);
const recentSlot = nextSlot(t0, phase(recent), INTERVAL);

describe.skipIf(!pgUp)('checks taken over from another process', () => {
  const cluster = clusterDaemon({
    prefix: 'gained-overdue',
    t0,
    probeTarget: true,
    before: async (store) => {
      await otherMemberHolding(store.db, OTHER, PARTITIONS, [1, 2], LONG);
      const result = (checkId: string, at: number) => ({ checkId, at, down: false, level: 0 as const, latencyMs: 5 });
      await insertResults(store.db, [result(held, t0 - 90_000), result(stale, t0 - 90_000), result(recent, recentSlot - INTERVAL)], t0 - 100_000);
    },
    config: (url, target) => `${clusterStorage(url, PARTITIONS)}checks:\n${[held, stale, recent].map((id) => probeCheck(target, id, '60s')).join('\n')}\n`,
  });
  const { runFor, runTo, movedTo } = cluster;
  const probesOf = (id: string) => cluster.target.probes.filter((p) => p.path === id).map((p) => p.at);

  it('runs a check of a partition held from the start at once when its last run is older than its interval', async () => {
    expect(cluster.leases()).toEqual([partitionLease(0), 'singletons']);
    await runFor(AT_ONCE);
    expect(probesOf(held), `ran at once, not at its phase (${phase(held)} ms into the minute)`).toHaveLength(1);
    expect(probesOf(held)[0]).toBeLessThanOrEqual(t0 + AT_ONCE);
  }, scaled(60_000));

  it('runs an overdue check of a partition gained at once, then at its phase; one that ran recently at its phase slot', async () => {
    await cluster.giveBack(partitionLease(1), OTHER);
    cluster.server.daemon.cluster!.poke();
    await movedTo([partitionLease(0), partitionLease(1)]);
    const gained = cluster.clock.now();
    expect(recentSlot - gained, 'the recent check is due well after the gain').toBeGreaterThan(10_000);

    await runFor(AT_ONCE);
    expect(probesOf(stale), `ran at once, not at its phase (${phase(stale)} ms into the minute)`).toHaveLength(1);
    const caughtUp = probesOf(stale)[0]!;
    expect(caughtUp).toBeLessThanOrEqual(gained + AT_ONCE);

    // The recent check is not run again before its slot; it runs at the slot.
    await runTo(recentSlot - TICK);
    expect(probesOf(recent)).toEqual([]);
    await runTo(recentSlot + AT_ONCE);
    expect(probesOf(recent)).toEqual([recentSlot]);

    // After its run at once, the overdue check is back on its grid: its next runs at its phase slots.
    await runTo(caughtUp + 2 * INTERVAL + AT_ONCE);
    const [, ...after] = probesOf(stale);
    expect(after.length).toBeGreaterThanOrEqual(2);
    for (const at of after) expect((at - t0 - phase(stale)) % INTERVAL, `run at ${at - t0} ms`).toBe(0);
    expect(after[0]! - caughtUp, 'not run again within half an interval').toBeGreaterThanOrEqual(INTERVAL / 2);
  }, scaled(120_000));
});
