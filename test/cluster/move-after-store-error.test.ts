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
import { until, scaled } from '../support/timing.js';
import { a, b, INTERVAL, OTHER, partitionGainedScene } from '../support/partition-gained.js';

const pgUp = await postgresUp();

describe.skipIf(!pgUp)('a partition gained while the store cannot answer', () => {
  const cluster = partitionGainedScene('move-error');
  const { ops, runFor, incidentOf } = cluster;

  it('moves the work of the partition gained once the store answers again', async () => {
    const { server, store, target } = cluster;
    const p1 = partitionLease(1);
    expect([...server.daemon.cluster!.leases.keys()]).not.toContain(p1);
    await sql`alter table alert_series rename to alert_series_away`.execute(store.db);
    try {
      await cluster.giveBack(p1, OTHER);
      await until('the daemon takes partition 1', () => server.daemon.cluster!.leases.has(p1), 30_000);
      // Its move reads the rules' state of partition 1, and fails.
      await ops().settle(scaled(5_000));
    } finally {
      await sql`alter table alert_series_away rename to alert_series`.execute(store.db);
    }
    target.failing.add(a);
    target.failing.add(b);
    await runFor(3 * INTERVAL);
    expect(ops().checkState(b)?.probe.status).toBe('down');
    expect({ a: await incidentOf(a), b: await incidentOf(b) }).toEqual({ a: [{ state: 'triggered' }], b: [{ state: 'triggered' }] });
  }, scaled(120_000));
});
