/**
 * A lease move touches only what changed. One opsbook daemon (in-process, on a simulated clock) on a
 * fresh PostgreSQL database with three partitions, A, B and C, next to a second member written
 * straight into the lease table. The daemon holds A and B; then the other member takes B and gives C
 * back, so the daemon keeps A, loses B and gains C: A's checks run on, a run in flight included, and
 * its rules keep their state in memory; B's checks stop at once; C's checks start at their phase.
 * Then B comes back under a new epoch, and its rules read the state the other member left in the store;
 * its checks, whose last runs are older than an interval by then, run at once, then at their phase.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { partitionOf, partitionLease } from '../../src/cluster/index.js';
import { phaseOf, nextSlot } from '../../src/checks/scheduler/plan.js';
import { CATCH_UP_WINDOW_MS } from '../../src/checks/scheduler/scheduler.js';
import type { CheckResult } from '../../src/checks/index.js';
import { leaveCluster } from '../../src/store/index.js';
import { listResults } from '../../src/store/repos/check-history.js';
import { postgresUp } from '../support/services.js';
import { otherMemberHolding } from '../support/cluster.js';
import { clusterDaemon, clusterStorage, probeCheck } from '../support/cluster-daemon.js';
import { slotsBetween } from '../support/probe-target.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const INTERVAL = 10_000;
const TICK = 50;
const OTHER = 'member_other';
const LONG = 10 * 60_000;

/** The first ids `${prefix}N` falling in partition `p` (the first of them also meeting `first`). */
function idsIn(p: number, prefix: string, first: (id: string) => boolean = () => true): string[] {
  const out: string[] = [];
  for (let k = 0; out.length < 2; k++) {
    const id = `${prefix}${k}`;
    if (partitionOf(id, PARTITIONS) === p && (out.length > 0 || first(id))) out.push(id);
  }
  return out;
}
const phase = (id: string) => phaseOf(id, INTERVAL, TICK);
const A = idsIn(0, 'a');
/** b0 runs within 2 s after a0 (well inside their 5 s timeout), so both can be in flight at the move. */
const B = idsIn(1, 'b', (id) => phase(id) >= phase(A[0]!) && phase(id) < phase(A[0]!) + 2000);
const C = idsIn(2, 'c');
const [a0, a1] = A as [string, string];
const [b0, b1] = B as [string, string];

describe.skipIf(!pgUp)('a lease move on one member', () => {
  /** Its target is the loopback server probed (path = check id): every probe it received; the checks whose answers it holds or fails. */
  const cluster = clusterDaemon({
    prefix: 'lease-move',
    probeTarget: true,
    // The other member is alive for the whole test and holds C: the daemon's fair share is two partitions.
    before: (store) => otherMemberHolding(store.db, OTHER, PARTITIONS, [2], LONG),
    config: (url, target) => {
      const checks = [...A, ...B, ...C].map((id) => probeCheck(target, id, '10s', 'failure_threshold: 1, success_threshold: 1'));
      return `${clusterStorage(url, PARTITIONS)}checks:\n${checks.join('\n')}\nrules:\n  - { id: slow-${a1}, check: ${a1}, for: 60s }\n  - { id: slow-${b1}, check: ${b1}, for: 60s }\n`;
    },
  });
  const { clock, ops, settle, runFor, leases, epochOf, movedTo } = cluster;
  const probes = () => cluster.target.probes;
  const results: CheckResult[] = [];
  /** a1's rule state just after the first move, and a1's last run before it. */
  let kept: { state: ReturnType<typeof seriesOf>; lastRun: number | undefined } | undefined;

  /** The instants a check is planned at in [from, to]. */
  const slots = (id: string, from: number, to: number) => slotsBetween(phase(id), INTERVAL, from, to);
  const runsOf = (id: string, from = -Infinity, to = Infinity) => results.filter((r) => r.checkId === id && r.at >= from && r.at <= to).map((r) => r.at);
  const seriesOf = (ruleId: string) => ops().alerts.states().find((s) => s.ruleId === ruleId);

  /** The other member takes `take` (as after the daemon's lease ran out) and gives `give` back; the daemon looks at once. */
  const otherMoves = async (take: string[], give: string[]) => {
    for (const lease of take) await cluster.takeBehindItsBack(lease, OTHER, LONG);
    for (const lease of give) await cluster.giveBack(lease, OTHER);
    cluster.server.daemon.cluster!.poke();
  };

  beforeAll(() => {
    ops().on((e) => {
      if (e.type === 'check') results.push(e.result);
    });
  });

  it('keeps A running through the move, stops B at once and starts C at its phase', async () => {
    const { target } = cluster;
    expect(leases()).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
    const from = clock.now();
    target.failing.add(a1);
    target.failing.add(b1);
    await runFor(3 * INTERVAL);
    for (const id of [...A, ...B]) expect(runsOf(id), id).toEqual(slots(id, from, clock.now()));
    // a1's rule has been pending since its first failure; the store holds that (a change of state), not its latest run.
    const pending = seriesOf(`slow-${a1}`)!;
    expect(pending.state).toBe('pending');
    expect(pending.updatedAt).toBeGreaterThan(pending.activeSince!);

    // A run of a0 and one of b0 are in flight (the target holds them) when the leases change.
    target.hold(a0);
    target.hold(b0);
    const due = nextSlot(nextSlot(clock.now() + 1, phase(a0), INTERVAL), phase(b0), INTERVAL);
    await clock.advanceTo(due, () => settle(200));
    await expect.poll(() => [a0, b0].every((id) => probes().some((p) => p.path === id && p.at >= due - INTERVAL && !p.aborted)), { timeout: scaled(10_000) }).toBe(true);
    const inFlight = (id: string) => probes().filter((p) => p.path === id).at(-1)!;
    const movedAt = clock.now();
    await otherMoves([partitionLease(1)], [partitionLease(2)]);
    // B's run is stopped at once, before the move is even done: the prober hangs up.
    await expect.poll(() => inFlight(b0).aborted, { timeout: scaled(10_000) }).toBe(true);
    await movedTo([partitionLease(0), partitionLease(2)]);
    kept = { state: seriesOf(`slow-${a1}`), lastRun: runsOf(a1, -Infinity, movedAt).at(-1) };
    expect(inFlight(a0).aborted).toBe(false);
    target.release(a0);
    await settle();
    await runFor(4 * INTERVAL);
    const to = clock.now();

    // A: every slot has its run, the one in flight at the move included; a1's rule kept its latest run in memory.
    for (const id of A) expect(runsOf(id), id).toEqual(slots(id, from, to));
    // B: nothing from the move on, neither a result nor a probe.
    for (const id of B) expect(runsOf(id, movedAt), id).toEqual([]);
    expect(probes().filter((p) => B.includes(p.path) && p.at > movedAt)).toEqual([]);
    target.release(b0);
    // C: from the move on, at its phase.
    for (const id of C) expect(runsOf(id), id).toEqual(slots(id, movedAt, to));
  }, scaled(120_000));

  it('keeps a kept partition\'s rule state in memory: a pending `for:` fires on time and the state is not read back', async () => {
    // Just after the move the state is the one in memory: its latest run's time is there, not in the
    // store (written when the state changes), so a state read back would show when it went pending.
    const state = kept!.state!;
    expect(state.state).toBe('pending');
    expect(state.updatedAt).toBe(kept!.lastRun);
    expect(state.updatedAt).toBeGreaterThan(state.activeSince!);
    // Fired 60 s after it first failed, the move notwithstanding.
    const s = seriesOf(`slow-${a1}`)!;
    expect(s.state).toBe('firing');
    expect(s.activeSince).toBe(state.activeSince);
    expect(s.firingSince).toBe(s.activeSince! + 60_000);
  });

  it('reads the state of a re-gained partition\'s rules from the store, where the other member left it', async () => {
    const { server, store } = cluster;
    const before = seriesOf(`slow-${b1}`);
    expect(before).toBeUndefined();
    const row = await store.db.selectFrom('alert_series').selectAll().where('rule_id', '=', `slow-${b1}`).executeTakeFirstOrThrow();
    // Meanwhile the other member ran b1 and saw it recover.
    const theirs = { ...(JSON.parse(row.data) as Record<string, unknown>), state: 'inactive', activeSince: null, lastActive: false, lastLevel: 'ok', updatedAt: clock.now() };
    await store.db.updateTable('alert_series').set({ state: 'inactive', data: JSON.stringify(theirs), updated_at: clock.now() }).where('series_key', '=', row.series_key).execute();
    const epoch = await epochOf(partitionLease(1));
    // The other member leaves: its leases are free and the daemon's fair share is all three.
    await leaveCluster(store.db, OTHER);
    server.daemon.cluster!.poke();
    await movedTo([partitionLease(0), partitionLease(1), partitionLease(2)]);
    expect(await epochOf(partitionLease(1))).toBeGreaterThan(epoch);
    expect(seriesOf(`slow-${b1}`)).toMatchObject({ state: 'inactive', activeSince: null, updatedAt: theirs.updatedAt });
    // B's checks run again, under the new epoch: fencing lets their results into the history. Their
    // last runs were before the first move, more than an interval ago: each runs at once (or at its
    // slot, if sooner), then at its phase.
    const regainedAt = clock.now();
    await runFor(2 * INTERVAL);
    for (const id of B) {
      const [first, ...then] = runsOf(id, regainedAt);
      expect(first, id).toBeLessThanOrEqual(Math.min(regainedAt + CATCH_UP_WINDOW_MS, nextSlot(regainedAt, phase(id), INTERVAL)));
      expect(then, id).toEqual(slots(id, first! + INTERVAL / 2, clock.now()));
    }
    // The history is written a second (of the clock) after its results.
    const ranTo = clock.now();
    await runFor(1_000);
    await expect.poll(async () => (await listResults(store.db, b0, { from: regainedAt, to: ranTo + 1 })).length, { timeout: scaled(20_000) }).toBe(runsOf(b0, regainedAt, ranTo).length);
  });
});
