/**
 * The end of a maintenance window releases each held page once, in the holder of its incident's
 * partition, fenced by that lease. One opsbook daemon (in-process, on a simulated clock) on a fresh
 * PostgreSQL database with three partitions, next to a second member written straight into the lease
 * table that holds partition 2. Incidents opened during the window hold their pages. Before it ends
 * the other member also takes partition 0 behind the daemon's back (the daemon has not looked yet).
 * At the end the daemon releases the pages of partition 1 only: partition 2 is not its own, and its
 * release for partition 0 is refused by fencing in its transaction. Once the other member leaves,
 * the daemon takes both and releases their pages, once each. A second case runs two daemons.
 */
import { describe, expect, it } from 'vitest';
import { partitionOf, partitionLease } from '../../src/cluster/index.js';
import { leaveCluster } from '../../src/store/index.js';
import { postgresUp } from '../support/services.js';
import { otherMemberHolding } from '../support/cluster.js';
import { clusterDaemon, clusterStorage, secondMember } from '../support/cluster-daemon.js';
import { maintenanceWindow, webhookChannel } from '../support/ops-yaml.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const OTHER = 'member_other';
const LONG = 10 * 60_000;
const WINDOW = 10 * 60_000;
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

/** A cluster member's ops.yaml: a webhook channel to `port` (it answers 200), a window from `t0`. */
const config = (url: string, partitions: number, lease: string, port: number, t0: number) =>
  `${clusterStorage(url, partitions, lease)}channels:\n${webhookChannel('hook', `http://127.0.0.1:${port}/hook`)}${maintenanceWindow('upgrade', t0, t0 + WINDOW)}`;

describe.skipIf(!pgUp)('held pages released at the end of a window, by the holder of their partition', () => {
  /** Its target is the webhook channel's receiver. */
  const cluster = clusterDaemon({
    prefix: 'held-release',
    probeTarget: true,
    before: (store) => otherMemberHolding(store.db, OTHER, PARTITIONS, [2], LONG),
    config: (url, receiver) => config(url, PARTITIONS, '5m', receiver.port, cluster.t0),
  });
  const { ops, runFor, leases, movedTo } = cluster;
  /** Incident id → partition, one or more incidents in each partition. */
  const opened = new Map<string, number>();
  const inPartition = (p: number) => [...opened].filter(([, q]) => q === p).map(([id]) => id);
  /** Per incident: how many times its held page was released, how many pages were enqueued, whether it is still held. */
  const pages = async () => {
    const { store } = cluster;
    const out: Record<string, { released: number; paged: number; held: boolean }> = {};
    for (const id of opened.keys()) {
      const released = await store.db.selectFrom('incident_timeline').select('id').where('incident_id', '=', id).where('kind', '=', 'suppressed').where('text', 'like', '%notifying now%').execute();
      const paged = await store.db.selectFrom('outbox').select('id').where('incident_id', '=', id).where('event', '=', 'incident.triggered').execute();
      const row = await store.db.selectFrom('incidents').select('held_notification').where('id', '=', id).executeTakeFirstOrThrow();
      out[id] = { released: released.length, paged: paged.length, held: row.held_notification !== null };
    }
    return out;
  };
  const expected = (of: (p: number) => { released: number; paged: number; held: boolean }) => Object.fromEntries([...opened].map(([id, p]) => [id, of(p)]));

  it('releases only the pages of the partitions it holds, under their leases, then those of the partitions it takes, once each', async () => {
    const { server, store } = cluster;
    expect(leases()).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
    await runFor(60_000);
    for (let k = 0; [0, 1, 2].some((p) => inPartition(p).length === 0); k++) {
      const incident = await ops().createIncident({ title: `down ${k}`, severity: 'P2', service: 'api' }, ana);
      opened.set(incident.id, partitionOf(incident.id, PARTITIONS));
    }
    expect(await pages()).toEqual(expected(() => ({ released: 0, paged: 0, held: true })));

    // The other member takes partition 0 (as after the daemon's lease ran out); the daemon has not looked.
    const p0 = partitionLease(0);
    await cluster.takeBehindItsBack(p0, OTHER, LONG);
    await runFor(WINDOW);
    expect(await pages()).toEqual(expected((p) => (p === 1 ? { released: 1, paged: 1, held: false } : { released: 0, paged: 0, held: true })));
    await expect.poll(async () => (await store.db.selectFrom('cluster_fencing').select('lease').where('outcome', '=', 'rejected').execute()).map((r) => r.lease), { timeout: scaled(20_000) }).toContain(p0);

    // The other member leaves: the daemon takes partitions 0 and 2 and releases their pages.
    await leaveCluster(store.db, OTHER);
    server.daemon.cluster!.poke();
    await movedTo([partitionLease(0), partitionLease(1), partitionLease(2)]);
    await runFor(5 * 60_000);
    expect(await pages()).toEqual(expected(() => ({ released: 1, paged: 1, held: false })));
  }, scaled(120_000));
});

/**
 * Two members, both real daemons on one simulated clock: the incidents are all opened through the
 * first during the window, so only it knows of their held pages; at the end each page is released
 * once, the second member's partition's by the second member, which finds them by looking.
 */
describe.skipIf(!pgUp)('held pages with two daemons', () => {
  const PARTS = 2;
  /** The first daemon; its target is the webhook channel's receiver. */
  const cluster = clusterDaemon({
    prefix: 'held-release-two',
    probeTarget: true,
    config: (url, receiver) => config(url, PARTS, '3s', receiver.port, cluster.t0),
  });
  const { runFor, oneEach } = secondMember(cluster, 'held-release-2', () => config(cluster.url, PARTS, '3s', cluster.target.port, cluster.t0));
  const first = () => cluster.server;
  const opened = new Map<string, number>();

  it('releases each page once, in the member holding its partition', async () => {
    const { store } = cluster;
    await oneEach();
    await runFor(60_000);
    for (let k = 0; [0, 1].some((p) => ![...opened.values()].includes(p)); k++) {
      const incident = await first().daemon.operations!.createIncident({ title: `down ${k}`, severity: 'P2', service: 'api' }, ana);
      opened.set(incident.id, partitionOf(incident.id, PARTS));
    }
    await runFor(WINDOW);
    const lines = async (id: string) => (await store.db.selectFrom('incident_timeline').select('id').where('incident_id', '=', id).where('kind', '=', 'suppressed').where('text', 'like', '%notifying now%').execute()).length;
    const paged = async (id: string) => (await store.db.selectFrom('outbox').select('id').where('incident_id', '=', id).where('event', '=', 'incident.triggered').execute()).length;
    for (const id of opened.keys()) {
      expect({ id, released: await lines(id), paged: await paged(id) }).toEqual({ id, released: 1, paged: 1 });
    }
    expect(await store.db.selectFrom('incidents').select('id').where('held_notification', 'is not', null).execute()).toEqual([]);
  }, scaled(120_000));
});
