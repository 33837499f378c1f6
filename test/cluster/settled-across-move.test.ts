/**
 * A check's settled probe state follows its partition. One opsbook daemon (in-process, on a
 * simulated clock) on a fresh PostgreSQL database with three partitions, next to a second member
 * written straight into the lease table. A check of partition 0 (failure_threshold 3, the default)
 * settles down and opens its incident; then the daemon loses partition 0 to the other member and
 * gets it back under a new epoch. Its first runs after the move keep the check down and the one
 * incident open: no resolve at the next run, no second incident (and page) three runs later.
 */
import { describe, expect, it } from 'vitest';
import { partitionLease } from '../../src/cluster/index.js';
import { postgresUp } from '../support/services.js';
import { otherMemberHolding } from '../support/cluster.js';
import { clusterDaemon, clusterStorage, idInPartition, probeCheck } from '../support/cluster-daemon.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const INTERVAL = 10_000;
const OTHER = 'member_other';
const LONG = 10 * 60_000;

const api = idInPartition(PARTITIONS, 0, 'api');

describe.skipIf(!pgUp)('a check settled down, across a lease move', () => {
  const cluster = clusterDaemon({
    prefix: 'settled-move',
    probeTarget: true,
    before: (store) => otherMemberHolding(store.db, OTHER, PARTITIONS, [2], LONG),
    config: (url, target) => `${clusterStorage(url, PARTITIONS)}checks:\n${probeCheck(target, api)}\n`,
  });
  const { ops, runFor, leases, epochOf, movedTo } = cluster;
  const incidents = () => cluster.store.db.selectFrom('incidents').select(['id', 'state']).orderBy('opened_at').execute();

  it('keeps the check down and its one incident open through a loss and a regain of its partition', async () => {
    const { server, target } = cluster;
    expect(leases()).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
    target.failing.add(api);
    await runFor(5 * INTERVAL);
    expect(ops().checkState(api)?.probe.status).toBe('down');
    const [opened, ...others] = await incidents();
    expect(others).toEqual([]);
    expect(opened!.state).toBe('triggered');

    // The other member takes partition 0 (as after the daemon's lease ran out), then gives it back.
    const p0 = partitionLease(0);
    await cluster.takeBehindItsBack(p0, OTHER, LONG);
    server.daemon.cluster!.poke();
    await movedTo([partitionLease(1)]);
    await runFor(2 * INTERVAL);
    const lost = await epochOf(p0);
    await cluster.giveBack(p0, OTHER);
    server.daemon.cluster!.poke();
    await movedTo([p0, partitionLease(1)]);
    expect(await epochOf(p0)).toBeGreaterThan(lost);

    for (let i = 1; i <= 4; i++) {
      await runFor(INTERVAL);
      expect(await incidents(), `run ${i} after the move`).toEqual([{ id: opened!.id, state: 'triggered' }]);
      expect(ops().checkState(api)?.probe.status, `run ${i} after the move`).toBe('down');
    }

    target.failing.delete(api);
    await runFor(3 * INTERVAL);
    expect(ops().checkState(api)?.probe.status).toBe('up');
    expect(await incidents()).toEqual([{ id: opened!.id, state: 'resolved' }]);
  }, scaled(120_000));
});
