/**
 * The response target passing unanswered is written on the timeline once, by the holder of the
 * incident's partition, fenced by its lease: it is a due time of the incident's escalation row, run
 * by the escalation timers. One opsbook daemon (in-process, on a simulated clock) on a fresh
 * PostgreSQL database with three partitions, next to a second member written straight into the lease
 * table that holds partition 2; before the targets pass, that member also takes partition 0 behind
 * the daemon's back. The daemon writes the line of partition 1's incident only (partition 2 is not
 * its own; its write for partition 0 is refused by fencing); once the other member leaves, it takes
 * both and writes theirs, once each, dated at the due time. A second case runs two daemons.
 */
import { describe, expect, it } from 'vitest';
import { partitionOf, partitionLease } from '../../src/cluster/index.js';
import { leaveCluster, type Store } from '../../src/store/index.js';
import { postgresUp } from '../support/services.js';
import { otherMemberHolding } from '../support/cluster.js';
import { clusterDaemon, clusterStorage, secondMember } from '../support/cluster-daemon.js';
import { refusedWebhookChannel } from '../support/ops-yaml.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const OTHER = 'member_other';
const MINUTE = 60_000;
const LONG = 60 * MINUTE;
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

/** A cluster member's ops.yaml: one step whose timeout is far away (the default ladder: P1 15 min). */
const config = (url: string, partitions: number, lease: string) =>
  `${clusterStorage(url, partitions, lease)}channels:\n${refusedWebhookChannel()}` +
  `escalation_policies:\n  - id: default\n    steps:\n      - { targets: [{ channel: hook }], timeout: 12h }\n`;

/** Per incident: the instants of its "response target … missed" lines. */
async function missedLines(store: Store, ids: Iterable<string>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const id of ids) {
    const rows = await store.db.selectFrom('incident_timeline').select('at').where('incident_id', '=', id).where('text', 'like', 'response target%missed%').orderBy('seq').execute();
    out[id] = rows.map((r) => Number(r.at));
  }
  return out;
}

describe.skipIf(!pgUp)('the response target missed, written by the holder of the incident\'s partition', () => {
  const cluster = clusterDaemon({
    prefix: 'response-missed',
    before: (store) => otherMemberHolding(store.db, OTHER, PARTITIONS, [2], LONG),
    config: (url) => config(url, PARTITIONS, '5m'),
  });
  const { ops, runFor, leases, movedTo } = cluster;
  /** Incident id → [partition, due time]. */
  const opened = new Map<string, [number, number]>();
  const expected = (of: (p: number, due: number) => number[]) => Object.fromEntries([...opened].map(([id, [p, due]]) => [id, of(p, due)]));

  it('writes the line of the partitions it holds, refused by fencing for one taken behind its back, then once for those it takes', async () => {
    const { server, store } = cluster;
    expect(leases()).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
    await runFor(MINUTE);
    for (let k = 0; [0, 1, 2].some((p) => ![...opened.values()].some(([q]) => q === p)); k++) {
      const incident = await ops().createIncident({ title: `down ${k}`, severity: 'P1', service: 'api' }, ana);
      opened.set(incident.id, [partitionOf(incident.id, PARTITIONS), incident.responseDueAt!]);
    }

    // The other member takes partition 0 (as after the daemon's lease ran out); the daemon has not looked.
    const p0 = partitionLease(0);
    await cluster.takeBehindItsBack(p0, OTHER, LONG);
    await runFor(20 * MINUTE);
    expect(await missedLines(store, opened.keys())).toEqual(expected((p, due) => (p === 1 ? [due] : [])));
    await expect.poll(async () => (await store.db.selectFrom('cluster_fencing').select('lease').where('outcome', '=', 'rejected').execute()).map((r) => r.lease), { timeout: scaled(20_000) }).toContain(p0);

    // The other member leaves: the daemon takes partitions 0 and 2 and writes their lines, dated at the due time.
    await leaveCluster(store.db, OTHER);
    server.daemon.cluster!.poke();
    await movedTo([partitionLease(0), partitionLease(1), partitionLease(2)]);
    await runFor(5 * MINUTE);
    await expect.poll(() => missedLines(store, opened.keys()), { timeout: scaled(20_000), interval: 100 }).toEqual(expected((_, due) => [due]));
    await runFor(30 * MINUTE);
    expect(await missedLines(store, opened.keys())).toEqual(expected((_, due) => [due]));
  }, scaled(120_000));
});

/**
 * Two members, both real daemons on one simulated clock: the incidents are all opened through the
 * first, so only its driver armed their timers; each line is written once, the second member's
 * partition's by the second member, which finds its escalations by looking.
 */
describe.skipIf(!pgUp)('the response target missed with two daemons', () => {
  const PARTS = 2;
  const cluster = clusterDaemon({ prefix: 'response-missed-two', config: (url) => config(url, PARTS, '3s') });
  const { runFor, oneEach } = secondMember(cluster, 'response-missed-2', () => config(cluster.url, PARTS, '3s'));
  const first = () => cluster.server;
  const opened = new Map<string, [number, number]>();

  it('writes each line once, in the member holding its partition', async () => {
    const { store } = cluster;
    await oneEach();
    await runFor(MINUTE);
    for (let k = 0; [0, 1].some((p) => ![...opened.values()].some(([q]) => q === p)); k++) {
      const incident = await first().daemon.operations!.createIncident({ title: `down ${k}`, severity: 'P1', service: 'api' }, ana);
      opened.set(incident.id, [partitionOf(incident.id, PARTS), incident.responseDueAt!]);
    }
    await runFor(20 * MINUTE);
    const once = Object.fromEntries([...opened].map(([id, [, due]]) => [id, [due]]));
    await expect.poll(() => missedLines(store, opened.keys()), { timeout: scaled(20_000), interval: 100 }).toEqual(once);
    // Later rounds of both members write nothing more.
    await runFor(30 * MINUTE);
    expect(await missedLines(store, opened.keys())).toEqual(once);
  }, scaled(120_000));
});
