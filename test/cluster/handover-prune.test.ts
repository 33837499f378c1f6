/**
 * Check results handed over in a partition that no longer exists (the partition count was lowered)
 * and that no process holds are dropped by the singletons holder's housekeeping. One opsbook daemon
 * (in-process, on a simulated clock) with three partitions on a fresh PostgreSQL database; results
 * wait in `cluster_handover` under checks/00 (a partition in use), checks/05 (gone, held by nobody)
 * and checks/06 (gone, but still held by a live member started with the old count, which would take
 * them). The retention job drops those of checks/05 only.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { acquireLease } from '../../src/store/index.js';
import { postgresUp } from '../support/services.js';
import { otherMemberHolding } from '../support/cluster.js';
import { clusterDaemon } from '../support/cluster-daemon.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const OTHER = 'member_old_count';
const LONG = 10 * 60_000;

describe.skipIf(!pgUp)('results handed over in partitions no longer in use', () => {
  const cluster = clusterDaemon({
    prefix: 'handover-prune',
    before: async (store) => {
      // A member still running with seven partitions holds checks/06; checks/05 is free.
      await otherMemberHolding(store.db, OTHER, PARTITIONS, [], LONG);
      await sql`insert into cluster_leases (name, holder, epoch, acquired_at, expires_at) values ('checks/05', null, 3, 0, 0), ('checks/06', null, 0, 0, 0)`.execute(store.db);
      if (!(await acquireLease(store.db, 'checks/06', OTHER, LONG))) throw new Error('could not take checks/06');
    },
    config: (url) => `storage:\n  url: "${url}"\n  retention: { every: 1m }\n  cluster: { lease: 5m, partitions: ${PARTITIONS} }\n`,
  });
  const { clock } = cluster;
  const waiting = async () => (await cluster.store.db.selectFrom('cluster_handover').select('lease').orderBy('lease').execute()).map((r) => r.lease);

  it('drops those of a gone partition nobody holds at the next retention run, and counts them', async () => {
    const { server, store } = cluster;
    await expect.poll(() => [...(server.daemon.cluster?.leases.keys() ?? [])], { timeout: scaled(30_000) }).toContain('singletons');
    const row = (id: string, lease: string) => ({ id, lease, epoch: 1, check_id: `c-${id}`, at: clock.now(), result: '{}', probe: '{}' });
    await store.db.insertInto('cluster_handover').values([row('h1', 'checks/00'), row('h2', 'checks/05'), row('h3', 'checks/05'), row('h4', 'checks/06')]).execute();
    expect(await waiting()).toEqual(['checks/00', 'checks/05', 'checks/05', 'checks/06']);
    await clock.advance(61_000);
    await expect.poll(waiting, { timeout: scaled(20_000), interval: 50 }).toEqual(['checks/00', 'checks/06']);
    const metric = await server.daemon.metrics.registry.getSingleMetricAsString('opsbook_retention_deleted_total');
    expect(metric).toContain('opsbook_retention_deleted_total{kind="handover"} 2');
  }, scaled(60_000));
});
