/**
 * A partition gained while the store cannot answer is not left unwatched. One opsbook daemon
 * (in-process, on a simulated clock) on a fresh PostgreSQL database with three partitions, next to a
 * second member written straight into the lease table that holds partitions 1 and 2: the daemon
 * starts with partition 0. The rules' state table is renamed away (every read of it fails: a real SQL error),
 * then the other member gives partition 1 back and the daemon takes it; the move of its work fails.
 * Once the table is back, the move is tried again: the daemon runs the checks of partition 1 and a
 * failing one opens its incident — not only at the next lease change.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { partitionLease } from '../../src/cluster/index.js';
import { postgresUp } from '../support/services.js';
import { otherMemberHolding } from '../support/cluster.js';
import { clusterDaemon, clusterStorage, idInPartition, probeCheck } from '../support/cluster-daemon.js';
import { until } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const INTERVAL = 10_000;
const OTHER = 'member_other';
const LONG = 10 * 60_000;

const a = idInPartition(PARTITIONS, 0, 'a');
const b = idInPartition(PARTITIONS, 1, 'b');

describe.skipIf(!pgUp)('a partition gained while the store cannot answer', () => {
  const cluster = clusterDaemon({
    prefix: 'move-error',
    probeTarget: true,
    before: (store) => otherMemberHolding(store.db, OTHER, PARTITIONS, [1, 2], LONG),
    config: (url, target) => {
      const checks = [a, b].map((id) => probeCheck(target, id, '10s', 'failure_threshold: 1'));
      return `${clusterStorage(url, PARTITIONS, '3s')}checks:\n${checks.join('\n')}\n`;
    },
  });
  const { ops, runFor } = cluster;
  const incidentOf = async (checkId: string) =>
    cluster.store.db.selectFrom('incidents').innerJoin('incident_alerts', 'incident_alerts.incident_id', 'incidents.id').select(['incidents.state']).where('incident_alerts.rule_id', 'like', `%${checkId}%`).execute();

  it('moves the work of the partition gained once the store answers again', async () => {
    const { server, store, target } = cluster;
    const p1 = partitionLease(1);
    expect([...server.daemon.cluster!.leases.keys()]).not.toContain(p1);
    await sql`alter table alert_series rename to alert_series_away`.execute(store.db);
    try {
      await cluster.giveBack(p1, OTHER);
      await until('the daemon takes partition 1', () => server.daemon.cluster!.leases.has(p1), 30_000);
      // Its move reads the rules' state of partition 1, and fails.
      await ops().settle(5_000);
    } finally {
      await sql`alter table alert_series_away rename to alert_series`.execute(store.db);
    }
    target.failing.add(a);
    target.failing.add(b);
    await runFor(3 * INTERVAL);
    expect(ops().checkState(b)?.probe.status).toBe('down');
    expect({ a: await incidentOf(a), b: await incidentOf(b) }).toEqual({ a: [{ state: 'triggered' }], b: [{ state: 'triggered' }] });
  }, 120_000);
});
