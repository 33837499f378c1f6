/**
 * A partition handed over runs each of its checks on time at its new holder: when the check's next
 * run fell due before the grant, at once (within the catch-up window); otherwise when it falls due,
 * no later than an interval after its last run — so within an interval of the grant, and never two
 * intervals without a run because the partition moved.
 *
 * Two members on a fresh PostgreSQL database with two partitions, each on a simulated clock: the
 * previous holder `a`, a real daemon in a child process (test/torture/daemon-child.ts), and the new
 * holder `b`, in-process. The checks (every minute) all fall in partition 0. `a` starts alone and
 * takes both partitions; the checks' stored last runs are 90 s old, so it runs them at once, off
 * their grid (a catch-up after a move, as in every chaos run), then each at its first slot at least
 * half an interval later. `b` joins and is given partition 1. `a` runs to 35 s, `b`'s clock is moved
 * to 55 s, and `a` goes — a clean stop (SIGTERM) or SIGKILL — so partition 0 is granted to `b` at 55 s.
 * The checks whose slot fell in between (35–55 s) had last run 53–55 s before the grant: less than an
 * interval, so they were planned at the slot after, 95–115 s — up to two intervals after their last
 * run, and a further move or a pause then left them silent past two intervals (chaos: "grant → first
 * probe" longer than an interval).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/index.js';
import { partitionLease } from '../../src/cluster/index.js';
import { CATCH_UP_WINDOW_MS } from '../../src/checks/scheduler/scheduler.js';
import { nextSlot, phaseOf } from '../../src/checks/scheduler/plan.js';
import { insertResults, type Store } from '../../src/store/index.js';
import { exited } from '../support/crash.js';
import { startKillableDaemon, type KillableDaemon } from '../support/killable-daemon.js';
import { postgresUp } from '../support/services.js';
import { until, scaled } from '../support/timing.js';
import { clusterDaemon, clusterStorage, idInPartition, probeCheck } from '../support/cluster-daemon.js';
import type { ProbeTarget } from '../support/probe-target.js';

const pgUp = await postgresUp();
const PARTITIONS = 2;
const INTERVAL = 60_000;
/** The scheduler's tick: a run planned at an instant starts on the first tick from it. */
const TICK = 50;
/** When `a` stops running (on its clock), and when `b` is granted the partition (on its). */
const A_STOPS = 35_000;
const GRANT = 55_000;
const CHECKS = Array.from({ length: 30 }, (_, i) => idInPartition(PARTITIONS, 0, `h${i}-`));

// Short, for a killed holder's lease to run out within the test; long enough on a loaded machine that no
// member misses its heartbeats for a whole lease and is taken for gone (the test is not about that).
const LEASE = `${Math.min(15, Math.ceil(scaled(3_000) / 1000))}s`;
const config = (url: string, target: ProbeTarget) => `${clusterStorage(url, PARTITIONS, LEASE)}checks:\n${CHECKS.map((id) => probeCheck(target, id, '60s')).join('\n')}\n`;

function handedOverBy(how: 'stop' | 'kill') {
  let a: KillableDaemon | undefined;
  let dir: string | undefined;
  const cluster = clusterDaemon({
    prefix: `handover-first-probe-${how}`,
    probeTarget: true,
    // `a` starts first, alone: it holds both partitions and runs the overdue checks at once.
    before: async (store: Store) => {
      const t0 = cluster.t0;
      await insertResults(store.db, CHECKS.map((checkId) => ({ checkId, at: t0 - 90_000, down: false, level: 0 as const, latencyMs: 5 })), t0 - 100_000);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-handover-a-'));
      fs.writeFileSync(path.join(dir, 'ops.yaml'), config(cluster.url, cluster.target));
      a = await startKillableDaemon(path.join(dir, 'ops.yaml'), t0);
      await until('a holds both partitions', async () => (await store.db.selectFrom('cluster_leases').select('holder').where('holder', 'is not', null).execute()).length === PARTITIONS + 1, scaled(30_000));
      await a.advanceTo(t0 + CATCH_UP_WINDOW_MS + TICK);
    },
    config,
  });
  const results: CheckResult[] = [];
  beforeAll(() => {
    cluster.ops().on((e) => {
      if (e.type === 'check') results.push(e.result);
    });
  });
  afterAll(async () => {
    if (a) await a.kill();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return { cluster, results, a: () => a! };
}

describe.skipIf(!pgUp).each([
  ['a clean stop (SIGTERM)', 'stop'],
  ['SIGKILL', 'kill'],
] as const)('a partition handed over after %s', (_, how) => {
  const { cluster, results, a } = handedOverBy(how);

  it('runs each of its checks when it falls due, an interval after its last run at the latest, at once if that passed before the grant', async () => {
    const { t0, store, clock } = cluster;
    // `b` joined: `a` gave partition 1 back to it and kept partition 0, with the checks (and the singletons).
    await expect.poll(cluster.leases, { timeout: scaled(30_000), interval: 50 }).toEqual([partitionLease(1)]);
    await a().advanceTo(t0 + A_STOPS);
    await cluster.runTo(t0 + GRANT);
    if (how === 'stop') {
      a().child.kill('SIGTERM');
      await exited(a().child);
    } else await a().kill();
    // Each check's last run, as the store has it when `b` takes the partition over.
    const rows = await store.db.selectFrom('check_results as r').innerJoin('check_keys as k', 'k.key', 'r.check_key').select(['k.check_id', 'r.at']).execute();
    const lastRun = new Map<string, number>();
    for (const r of rows) lastRun.set(r.check_id, Math.max(lastRun.get(r.check_id) ?? 0, Number(r.at)));
    await cluster.movedTo([partitionLease(0), partitionLease(1)]);
    const grant = clock.now();
    expect(grant).toBe(t0 + GRANT);

    await cluster.runFor(INTERVAL + CATCH_UP_WINDOW_MS);
    const late: string[] = [];
    // The scene: checks whose next slot came between `a`'s stop and the grant, unrun.
    let slotPassed = 0;
    for (const id of CHECKS) {
      const last = lastRun.get(id)!;
      expect(last, `${id} ran at a`).toBeGreaterThanOrEqual(t0);
      if (nextSlot(last + INTERVAL / 2, phaseOf(id, INTERVAL, TICK), INTERVAL) < grant) slotPassed++;
      const first = results.find((r) => r.checkId === id && r.at >= grant)?.at;
      // An interval after its last run, or at once (the catch-up window) when that is sooner; a tick of slack for the plan.
      const bound = Math.max(grant + CATCH_UP_WINDOW_MS, last + INTERVAL) + TICK;
      if (first === undefined || first > bound || first > grant + INTERVAL || first < last + INTERVAL / 2) {
        late.push(`${id}: last run ${(last - t0) / 1000} s, first at b ${first === undefined ? 'none' : `${(first - t0) / 1000} s`} (due by ${(bound - t0) / 1000} s)`);
      }
    }
    expect(slotPassed, 'checks whose slot passed unrun before the grant').toBeGreaterThan(0);
    expect(late, 'checks run late (or twice in half an interval) by their new holder, times from t0; granted at 55 s').toEqual([]);
  }, scaled(180_000));
});
