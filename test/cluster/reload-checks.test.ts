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
import { beforeAll, describe, expect, it } from 'vitest';
import { partitionLease } from '../../src/cluster/index.js';
import { phaseOf, nextSlot } from '../../src/checks/scheduler/plan.js';
import type { CheckResult } from '../../src/checks/index.js';
import { leaveCluster } from '../../src/store/index.js';
import { listResults } from '../../src/store/repos/check-history.js';
import { postgresUp } from '../support/services.js';
import { otherMemberHolding } from '../support/cluster.js';
import { clusterDaemon, clusterStorage, idInPartition } from '../support/cluster-daemon.js';
import { slotsBetween } from '../support/probe-target.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const INTERVAL = 10_000;
const MOVED_INTERVAL = 20_000;
const TICK = 50;
const OTHER = 'member_other';
const LONG = 10 * 60_000;

const keep = idInPartition(PARTITIONS, 0, 'keep');
const added = idInPartition(PARTITIONS, 0, 'added');
const gone = idInPartition(PARTITIONS, 1, 'gone');
const moved = idInPartition(PARTITIONS, 1, 'moved');
const later = idInPartition(PARTITIONS, 2, 'later');

describe.skipIf(!pgUp)('a config reload on a member of a cluster', () => {
  /** Its target is the loopback server probed: every probe it received, and the paths whose answers it holds. */
  const cluster = clusterDaemon({
    prefix: 'reload-checks',
    probeTarget: true,
    before: (store) => otherMemberHolding(store.db, OTHER, PARTITIONS, [2], LONG),
    config: (url) => config(url, [check(keep), check(gone), check(moved)]),
  });
  const { clock, ops, settle, runFor, leases, movedTo } = cluster;
  const probes = () => cluster.target.probes;
  const results: CheckResult[] = [];

  const phase = (id: string, interval = INTERVAL) => phaseOf(id, interval, TICK);
  const slots = (id: string, from: number, to: number, interval = INTERVAL) => slotsBetween(phase(id, interval), interval, from, to);
  const runsOf = (id: string, from = -Infinity, to = Infinity) => results.filter((r) => r.checkId === id && r.at >= from && r.at <= to).map((r) => r.at);
  /** The results of a check in the history from `from` to a second before now (the history is written a second after). */
  const stored = async (id: string, from: number) => (await listResults(cluster.store.db, id, { from, to: clock.now() - 1000 })).map((r) => r.at).sort((a, b) => a - b);
  const written = (id: string, from: number) => runsOf(id, from, clock.now() - 1001);
  const check = (id: string, route = id, interval = '10s') => `  - { id: ${id}, kind: http, url: "http://127.0.0.1:${cluster.target.port}/${route}", interval: ${interval}, timeout: 5s }`;
  const config = (url: string, lines: string[]) => `${clusterStorage(url, PARTITIONS)}checks:\n${lines.join('\n')}\n`;

  beforeAll(() => {
    ops().on((e) => {
      if (e.type === 'check') results.push(e.result);
    });
  });

  it('changes only the checks the reload changed, each under the lease of its partition', async () => {
    const { server, store, target } = cluster;
    expect(leases()).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
    const from = clock.now();
    await runFor(2 * INTERVAL);

    target.hold(keep);
    const due = nextSlot(clock.now() + 1, phase(keep), INTERVAL);
    await clock.advanceTo(due, () => settle(200));
    await expect.poll(() => probes().some((p) => p.path === keep && p.at === due), { timeout: scaled(10_000) }).toBe(true);
    const inFlight = probes().find((p) => p.path === keep && p.at === due)!;

    fs.writeFileSync(path.join(server.dir, 'ops.yaml'), config(cluster.url, [check(keep), check(moved, 'moved-here', '20s'), check(added), check(later)]));
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
    await expect.poll(() => stored(keep, due), { timeout: scaled(20_000) }).toEqual(written(keep, due));
    expect(written(keep, due)).toContain(due);
    await expect.poll(() => stored(added, reloadedAt), { timeout: scaled(20_000) }).toEqual(written(added, reloadedAt));
    await expect.poll(() => stored(moved, reloadedAt + 1), { timeout: scaled(20_000) }).toEqual(written(moved, reloadedAt + 1));

    // The other member leaves: the daemon gains the third partition, and the check the reload added there starts.
    await leaveCluster(store.db, OTHER);
    server.daemon.cluster!.poke();
    await movedTo([0, 1, 2].map(partitionLease));
    const gainedAt = clock.now();
    await runFor(2 * INTERVAL);
    expect(runsOf(later), later).toEqual(slots(later, gainedAt, clock.now()));
    await expect.poll(() => stored(later, gainedAt), { timeout: scaled(20_000) }).toEqual(written(later, gainedAt));
    expect(written(later, gainedAt).length).toBeGreaterThan(0);
  }, scaled(120_000));
});
