/**
 * Triggered incidents whose escalation could not start are paged by the holder of their partition,
 * fenced by that lease. One opsbook daemon (in-process, on a simulated clock) on a fresh PostgreSQL
 * database with three partitions, next to a second member written straight into the lease table
 * that holds partition 2. While the escalations table refuses rows (a real trigger), incidents are
 * opened by hand in every partition, unpaged. The other member then takes partition 0 behind the
 * daemon's back, and the fault is removed: the daemon's look for missed pages pages partition 1's
 * incidents only (partition 2 is not its own; partition 0's start is refused by fencing in its
 * transaction). Once the other member leaves, the daemon takes both and pages theirs, once each.
 */
import { describe, expect, it } from 'vitest';
import { partitionOf, partitionLease } from '../../src/cluster/index.js';
import { leaveCluster } from '../../src/store/index.js';
import { postgresUp } from '../support/services.js';
import { otherMemberHolding } from '../support/cluster.js';
import { clusterDaemon, clusterStorage } from '../support/cluster-daemon.js';
import { oneStepPolicy, refusedWebhookChannel } from '../support/ops-yaml.js';
import { refuseWrites } from '../support/store-faults.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const OTHER = 'member_other';
const LONG = 10 * 60_000;
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

describe.skipIf(!pgUp)('missed pages, paged by the holder of their partition', () => {
  const cluster = clusterDaemon({
    prefix: 'missed-pages',
    before: (store) => otherMemberHolding(store.db, OTHER, PARTITIONS, [2], LONG),
    config: (url) => `${clusterStorage(url, PARTITIONS)}channels:\n${refusedWebhookChannel()}${oneStepPolicy()}`,
  });
  const { ops, runFor, leases, movedTo } = cluster;
  const opened = new Map<string, number>();
  const inPartition = (p: number) => [...opened].filter(([, q]) => q === p).map(([id]) => id);
  const pages = async () => {
    const { store } = cluster;
    const out: Record<string, { escalations: number; paged: number }> = {};
    for (const id of opened.keys()) {
      const escalations = await store.db.selectFrom('escalations').select('incident_id').where('incident_id', '=', id).execute();
      const paged = await store.db.selectFrom('outbox').select('id').where('incident_id', '=', id).where('event', '=', 'incident.triggered').execute();
      out[id] = { escalations: escalations.length, paged: paged.length };
    }
    return out;
  };
  const expected = (of: (p: number) => { escalations: number; paged: number }) => Object.fromEntries([...opened].map(([id, p]) => [id, of(p)]));

  it('pages only the incidents of the partitions it holds, under their leases, then those of the partitions it takes, once each', async () => {
    const { server, store } = cluster;
    expect(leases()).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
    await runFor(60_000);
    const heal = await refuseWrites(store.db, 'postgres', 'escalations');
    for (let k = 0; [0, 1, 2].some((p) => inPartition(p).length === 0); k++) {
      const incident = await ops().createIncident({ title: `down ${k}`, severity: 'P1', service: 'api' }, ana);
      opened.set(incident.id, partitionOf(incident.id, PARTITIONS));
    }
    expect(await pages()).toEqual(expected(() => ({ escalations: 0, paged: 0 })));

    // The other member takes partition 0 (as after the daemon's lease ran out); the daemon has not looked.
    const p0 = partitionLease(0);
    await cluster.takeBehindItsBack(p0, OTHER, LONG);
    await heal();
    await runFor(3 * 60_000);
    expect(await pages()).toEqual(expected((p) => (p === 1 ? { escalations: 1, paged: 1 } : { escalations: 0, paged: 0 })));
    const refused = async () => (await store.db.selectFrom('cluster_fencing').select(['lease', 'what']).where('outcome', '=', 'rejected').execute()).map((r) => `${r.lease} ${r.what}`);
    await expect.poll(refused, { timeout: scaled(20_000) }).toContain(`${p0} escalation start`);

    // The other member leaves: the daemon takes partitions 0 and 2 and pages their incidents.
    await leaveCluster(store.db, OTHER);
    server.daemon.cluster!.poke();
    await movedTo([partitionLease(0), partitionLease(1), partitionLease(2)]);
    await runFor(3 * 60_000);
    expect(await pages()).toEqual(expected(() => ({ escalations: 1, paged: 1 })));
    await runFor(5 * 60_000);
    expect(await pages()).toEqual(expected(() => ({ escalations: 1, paged: 1 })));
  }, scaled(120_000));
});
