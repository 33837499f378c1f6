/**
 * A config reload on a member of a cluster touches only the checks it changes, among those of the
 * partitions the member holds. One daemon (in-process, on a simulated clock) on a fresh PostgreSQL
 * database with three partitions; a second member, written straight into the lease table, holds the
 * third. While a run of `keep` is in flight the config is reloaded: a check is removed, one changed,
 * one added in a partition held and one in the partition held elsewhere. The run in flight completes
 * and is stored; the changed and the added check run under the lease of their partition (fencing
 * lets their results into the history); the check of the other member's partition starts only once
 * the daemon gains that partition.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { partitionOf, partitionLease } from '../../src/cluster/index.js';
import { phaseOf, nextSlot } from '../../src/checks/scheduler/plan.js';
import type { CheckResult } from '../../src/checks/index.js';
import { leaveCluster, openStore, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { listResults } from '../../src/store/repos/check-history.js';
import { createTestDatabase, postgresUp } from '../support/services.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { otherMemberHolding } from '../support/cluster.js';
import { slotsBetween, startProbeTarget, type ProbeTarget } from '../support/probe-target.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const INTERVAL = 10_000;
const MOVED_INTERVAL = 20_000;
const TICK = 50;
const OTHER = 'member_other';
const LONG = 10 * 60_000;

/** The first id `${prefix}N` falling in partition `p`. */
function idIn(p: number, prefix: string): string {
  for (let k = 0; ; k++) if (partitionOf(`${prefix}${k}`, PARTITIONS) === p) return `${prefix}${k}`;
}
const keep = idIn(0, 'keep');
const added = idIn(0, 'added');
const gone = idIn(1, 'gone');
const moved = idIn(1, 'moved');
const later = idIn(2, 'later');

describe.skipIf(!pgUp)('a config reload on a member of a cluster', () => {
  let db: ScratchDatabase;
  let store: Store;
  let server: DaemonApp;
  /** The loopback server probed: every probe it received, and the paths whose answers it holds. */
  let target: ProbeTarget;
  const clock = new SimulatedClock(Math.floor(Date.now() / 60_000) * 60_000);
  const probes = () => target.probes;
  const results: CheckResult[] = [];

  const ops = () => server.daemon.operations!;
  const settle = (maxMs = 5_000) => ops().settle(maxMs);
  const runFor = async (ms: number) => {
    await clock.advance(ms, () => settle());
    await settle();
  };
  const phase = (id: string, interval = INTERVAL) => phaseOf(id, interval, TICK);
  const slots = (id: string, from: number, to: number, interval = INTERVAL) => slotsBetween(phase(id, interval), interval, from, to);
  const runsOf = (id: string, from = -Infinity, to = Infinity) => results.filter((r) => r.checkId === id && r.at >= from && r.at <= to).map((r) => r.at);
  /** The results of a check in the history from `from` to a second before now (the history is written a second after). */
  const stored = async (id: string, from: number) => (await listResults(store.db, id, { from, to: clock.now() - 1000 })).map((r) => r.at).sort((a, b) => a - b);
  const written = (id: string, from: number) => runsOf(id, from, clock.now() - 1001);
  const check = (id: string, route = id, interval = '10s') => `  - { id: ${id}, kind: http, url: "http://127.0.0.1:${target.port}/${route}", interval: ${interval}, timeout: 5s }`;
  const config = (lines: string[]) => `storage:\n  url: "${db.url}"\n  cluster: { lease: 5m, partitions: ${PARTITIONS} }\nchecks:\n${lines.join('\n')}\n`;
  const leases = () => [...(server.daemon.cluster?.leases.keys() ?? [])].sort();

  beforeAll(async () => {
    db = await createTestDatabase('opsbook_reload_checks');
    store = await openStore({ url: db.url });
    await store.migrate();
    target = await startProbeTarget(clock);
    await otherMemberHolding(store.db, OTHER, PARTITIONS, [2], LONG);
    server = await startDaemonApp('reload-checks', { 'ops.yaml': config([check(keep), check(gone), check(moved)]) }, { clock });
    ops().on((e) => {
      if (e.type === 'check') results.push(e.result);
    });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await store?.close();
    await target?.close();
    await db?.drop();
  }, 60_000);

  it('changes only the checks the reload changed, each under the lease of its partition', async () => {
    expect(leases()).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
    const from = clock.now();
    await runFor(2 * INTERVAL);

    target.hold(keep);
    const due = nextSlot(clock.now() + 1, phase(keep), INTERVAL);
    await clock.advanceTo(due, () => settle(200));
    await expect.poll(() => probes().some((p) => p.path === keep && p.at === due), { timeout: 10_000 }).toBe(true);
    const inFlight = probes().find((p) => p.path === keep && p.at === due)!;

    fs.writeFileSync(path.join(server.dir, 'ops.yaml'), config([check(keep), check(moved, 'moved-here', '20s'), check(added), check(later)]));
    const reloadedAt = clock.now();
    expect(await server.daemon.reload()).toBe(true);
    expect(inFlight.aborted).toBe(false);
    target.release(keep);
    await settle();
    expect(inFlight.aborted).toBe(false);
    expect(runsOf(keep)).toContain(due);

    await runFor(4 * INTERVAL);
    const to = clock.now();
    expect(runsOf(keep, from), keep).toEqual(slots(keep, from, to));
    expect(probes().filter((p) => p.path === gone && p.at > reloadedAt)).toEqual([]);
    expect(runsOf(added), added).toEqual(slots(added, reloadedAt + 1, to));
    expect(runsOf(moved, reloadedAt + 1), moved).toEqual(slots(moved, reloadedAt + 1, to, MOVED_INTERVAL));
    expect(probes().filter((p) => p.path === 'moved-here').map((p) => p.at)).toEqual(runsOf(moved, reloadedAt + 1));
    // Its partition is the other member's: not run here.
    expect(runsOf(later)).toEqual([]);
    // Fencing admits what ran under the lease of a partition held: the run kept, the check added, the one changed.
    await expect.poll(() => stored(keep, due), { timeout: 20_000 }).toEqual(written(keep, due));
    expect(written(keep, due)).toContain(due);
    await expect.poll(() => stored(added, reloadedAt), { timeout: 20_000 }).toEqual(written(added, reloadedAt));
    await expect.poll(() => stored(moved, reloadedAt + 1), { timeout: 20_000 }).toEqual(written(moved, reloadedAt + 1));

    // The other member leaves: the daemon gains the third partition, and the check the reload added there starts.
    await leaveCluster(store.db, OTHER);
    server.daemon.cluster!.poke();
    await expect.poll(leases, { timeout: 30_000, interval: 50 }).toEqual([0, 1, 2].map(partitionLease).concat('singletons').sort());
    await ops().moveWork();
    await ops().idle();
    const gainedAt = clock.now();
    await runFor(2 * INTERVAL);
    expect(runsOf(later), later).toEqual(slots(later, gainedAt, clock.now()));
    await expect.poll(() => stored(later, gainedAt), { timeout: 20_000 }).toEqual(written(later, gainedAt));
    expect(written(later, gainedAt).length).toBeGreaterThan(0);
  }, 120_000);
});
