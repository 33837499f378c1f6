/**
 * A partition gained starts its checks without waiting for the pipeline: the move of their rules is
 * queued ahead of their results, and the probes go out meanwhile. One opsbook daemon (in-process, on
 * a simulated clock) on a fresh PostgreSQL database with three partitions, next to a second member
 * written straight into the lease table that holds partitions 1 and 2; the daemon holds partition 0.
 * Check `b` (partition 1) last ran a minute ago and now fails. The test holds the pipeline (as a long
 * step does: a backlog of results, a transaction waiting on a lock), then the other member gives
 * partition 1 back. Before, the move queued the rules' move and waited for it before it started the
 * checks: in chaos runs that wait was up to 10 s between the grant and the gained checks' first probes
 * (a process that had just gained other partitions, evaluating their first results). Now `b` is
 * probed within the catch-up window while the pipeline is held, and once it is released its failing
 * result is evaluated after its rule was moved: its incident opens.
 */
import { describe, expect, it } from 'vitest';
import { partitionLease } from '../../src/cluster/index.js';
import { CATCH_UP_WINDOW_MS } from '../../src/checks/scheduler/scheduler.js';
import { insertResults } from '../../src/store/index.js';
import { postgresUp } from '../support/services.js';
import { otherMemberHolding } from '../support/cluster.js';
import { clusterDaemon, clusterStorage, idInPartition, probeCheck } from '../support/cluster-daemon.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const OTHER = 'member_other';
const LONG = 10 * 60_000;
const TICK = 50;
const a = idInPartition(PARTITIONS, 0, 'a');
const b = idInPartition(PARTITIONS, 1, 'b');

describe.skipIf(!pgUp)('a partition gained while the pipeline is busy', () => {
  const cluster = clusterDaemon({
    prefix: 'move-pipeline-busy',
    probeTarget: true,
    before: async (store) => {
      await otherMemberHolding(store.db, OTHER, PARTITIONS, [1, 2], LONG);
      await insertResults(store.db, [{ checkId: b, at: cluster.t0 - 60_000, down: false, level: 0, latencyMs: 5 }], cluster.t0 - 100_000);
    },
    config: (url, target) => `${clusterStorage(url, PARTITIONS)}checks:\n${[a, b].map((id) => probeCheck(target, id, '10s', 'failure_threshold: 1')).join('\n')}\n`,
  });
  const incidentsOf = (checkId: string) =>
    cluster.store.db.selectFrom('incidents').innerJoin('incident_alerts', 'incident_alerts.incident_id', 'incidents.id').select(['incidents.state']).where('incident_alerts.rule_id', '=', `check:${checkId}`).execute();

  it('probes its checks at once while the pipeline is held, and evaluates their results after their rules moved', async () => {
    const { clock, target, ops, server } = cluster;
    expect(cluster.leases()).toEqual([partitionLease(0), 'singletons']);
    target.failing.add(b);
    const release = ops().holdPipeline();
    let gainedAt: number;
    try {
      await cluster.giveBack(partitionLease(1), OTHER);
      server.daemon.cluster!.poke();
      await expect.poll(cluster.leases, { timeout: scaled(30_000), interval: 50 }).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
      gainedAt = clock.now();
      // The move is done once the gained checks run: it does not wait for the held pipeline.
      const moved = await Promise.race([ops().moveWork().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), scaled(15_000)))]);
      expect(moved, 'the move started the gained checks while the pipeline was held').toBe(true);
      await clock.advance(CATCH_UP_WINDOW_MS + TICK, () => ops().probesSettled(scaled(5_000)));
      await ops().probesSettled(scaled(5_000));
      expect(target.probes.filter((p) => p.path === b).map((p) => p.at)).toEqual([expect.any(Number)]);
      expect(target.probes.find((p) => p.path === b)!.at).toBeLessThanOrEqual(gainedAt + CATCH_UP_WINDOW_MS + TICK);
      // Nothing of it is evaluated while the pipeline is held.
      expect(await incidentsOf(b)).toEqual([]);
    } finally {
      release();
    }
    await cluster.runFor(TICK);
    expect(await incidentsOf(b)).toEqual([{ state: 'triggered' }]);
  }, scaled(120_000));
});
