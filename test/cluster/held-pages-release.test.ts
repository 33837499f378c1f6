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
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { partitionOf, partitionLease } from '../../src/cluster/index.js';
import { leaveCluster, openStore, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { createTestDatabase, postgresUp } from '../support/services.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { otherMemberHolding } from '../support/cluster.js';
import { startProbeTarget, type ProbeTarget } from '../support/probe-target.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const OTHER = 'member_other';
const LONG = 10 * 60_000;
const WINDOW = 10 * 60_000;
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

describe.skipIf(!pgUp)('held pages released at the end of a window, by the holder of their partition', () => {
  let db: ScratchDatabase;
  let store: Store;
  let server: DaemonApp;
  /** The webhook channel's receiver (it answers 200). */
  let receiver: ProbeTarget;
  const t0 = Math.floor(Date.now() / 60_000) * 60_000;
  const clock = new SimulatedClock(t0);
  const ops = () => server.daemon.operations!;
  const runFor = async (ms: number) => {
    await clock.advance(ms, () => ops().settle(5_000));
    await ops().settle(5_000);
  };
  const leases = () => [...(server.daemon.cluster?.leases.keys() ?? [])].sort();
  /** Incident id → partition, one or more incidents in each partition. */
  const opened = new Map<string, number>();
  const inPartition = (p: number) => [...opened].filter(([, q]) => q === p).map(([id]) => id);
  /** Per incident: how many times its held page was released, how many pages were enqueued, whether it is still held. */
  const pages = async () => {
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

  beforeAll(async () => {
    db = await createTestDatabase('opsbook_held_release');
    store = await openStore({ url: db.url });
    await store.migrate();
    receiver = await startProbeTarget(clock);
    await otherMemberHolding(store.db, OTHER, PARTITIONS, [2], LONG);
    const at = (ms: number) => new Date(ms).toISOString().slice(0, 16) + '+00:00';
    server = await startDaemonApp(
      'held-release',
      {
        'ops.yaml':
          `storage:\n  url: "${db.url}"\n  cluster: { lease: 5m, partitions: ${PARTITIONS} }\n` +
          `channels:\n  - { id: hook, kind: webhook, url: "http://127.0.0.1:${receiver.port}/hook", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }\n` +
          `maintenance:\n  - { id: upgrade, start: "${at(t0)}", end: "${at(t0 + WINDOW)}" }\n`,
      },
      { clock },
    );
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await store?.close();
    await receiver?.close();
    await db?.drop();
  }, 60_000);

  it('releases only the pages of the partitions it holds, under their leases, then those of the partitions it takes, once each', async () => {
    expect(leases()).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
    await runFor(60_000);
    for (let k = 0; [0, 1, 2].some((p) => inPartition(p).length === 0); k++) {
      const incident = await ops().createIncident({ title: `down ${k}`, severity: 'P2', service: 'api' }, ana);
      opened.set(incident.id, partitionOf(incident.id, PARTITIONS));
    }
    expect(await pages()).toEqual(expected(() => ({ released: 0, paged: 0, held: true })));

    // The other member takes partition 0 (as after the daemon's lease ran out); the daemon has not looked.
    const p0 = partitionLease(0);
    await sql`update cluster_leases set holder = ${OTHER}, epoch = epoch + 1, expires_at = (extract(epoch from clock_timestamp()) * 1000)::bigint + ${LONG} where name = ${p0}`.execute(store.db);
    await runFor(WINDOW);
    expect(await pages()).toEqual(expected((p) => (p === 1 ? { released: 1, paged: 1, held: false } : { released: 0, paged: 0, held: true })));
    await expect.poll(async () => (await store.db.selectFrom('cluster_fencing').select('lease').where('outcome', '=', 'rejected').execute()).map((r) => r.lease), { timeout: 20_000 }).toContain(p0);

    // The other member leaves: the daemon takes partitions 0 and 2 and releases their pages.
    await leaveCluster(store.db, OTHER);
    server.daemon.cluster!.poke();
    await expect.poll(leases, { timeout: 30_000, interval: 50 }).toEqual([partitionLease(0), partitionLease(1), partitionLease(2), 'singletons']);
    await ops().moveWork();
    await ops().idle();
    await runFor(5 * 60_000);
    expect(await pages()).toEqual(expected(() => ({ released: 1, paged: 1, held: false })));
  }, 120_000);
});

/**
 * Two members, both real daemons on one simulated clock: the incidents are all opened through the
 * first during the window, so only it knows of their held pages; at the end each page is released
 * once, the second member's partition's by the second member, which finds them by looking.
 */
describe.skipIf(!pgUp)('held pages with two daemons', () => {
  const PARTS = 2;
  let db: ScratchDatabase;
  let store: Store;
  let first: DaemonApp;
  let second: DaemonApp;
  let receiver: ProbeTarget;
  const t0 = Math.floor(Date.now() / 60_000) * 60_000;
  const clock = new SimulatedClock(t0);
  const settle = async () => {
    await first.daemon.operations!.settle(5_000);
    await second.daemon.operations!.settle(5_000);
  };
  const runFor = async (ms: number) => {
    await clock.advance(ms, settle);
    await settle();
  };
  const leasesOf = (d: DaemonApp) => [...(d.daemon.cluster?.leases.keys() ?? [])].filter((l) => l !== 'singletons');
  const opened = new Map<string, number>();

  beforeAll(async () => {
    db = await createTestDatabase('opsbook_held_release_two');
    store = await openStore({ url: db.url });
    await store.migrate();
    receiver = await startProbeTarget(clock);
    const at = (ms: number) => new Date(ms).toISOString().slice(0, 16) + '+00:00';
    const files = {
      'ops.yaml':
        `storage:\n  url: "${db.url}"\n  cluster: { lease: 3s, partitions: ${PARTS} }\n` +
        `channels:\n  - { id: hook, kind: webhook, url: "http://127.0.0.1:${receiver.port}/hook", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }\n` +
        `maintenance:\n  - { id: upgrade, start: "${at(t0)}", end: "${at(t0 + WINDOW)}" }\n`,
    };
    first = await startDaemonApp('held-release-1', files, { clock });
    second = await startDaemonApp('held-release-2', files, { clock });
  }, 120_000);

  afterAll(async () => {
    await second?.close();
    await first?.close();
    await store?.close();
    await receiver?.close();
    await db?.drop();
  }, 60_000);

  it('releases each page once, in the member holding its partition', async () => {
    // The first gives the second its share at its next round.
    await expect.poll(() => [leasesOf(first).length, leasesOf(second).length], { timeout: 30_000, interval: 50 }).toEqual([1, 1]);
    await first.daemon.operations!.moveWork();
    await second.daemon.operations!.moveWork();
    await runFor(60_000);
    for (let k = 0; [0, 1].some((p) => ![...opened.values()].includes(p)); k++) {
      const incident = await first.daemon.operations!.createIncident({ title: `down ${k}`, severity: 'P2', service: 'api' }, ana);
      opened.set(incident.id, partitionOf(incident.id, PARTS));
    }
    await runFor(WINDOW);
    const lines = async (id: string) => (await store.db.selectFrom('incident_timeline').select('id').where('incident_id', '=', id).where('kind', '=', 'suppressed').where('text', 'like', '%notifying now%').execute()).length;
    const paged = async (id: string) => (await store.db.selectFrom('outbox').select('id').where('incident_id', '=', id).where('event', '=', 'incident.triggered').execute()).length;
    for (const id of opened.keys()) {
      expect({ id, released: await lines(id), paged: await paged(id) }).toEqual({ id, released: 1, paged: 1 });
    }
    expect(await store.db.selectFrom('incidents').select('id').where('held_notification', 'is not', null).execute()).toEqual([]);
  }, 120_000);
});
