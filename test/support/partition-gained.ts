/**
 * The scene of the tests of a partition a member gains: one in-process daemon on a fresh PostgreSQL
 * database with three partitions, next to another member that holds partitions 1 and 2, so the
 * daemon starts with partition 0; check `a` falls in partition 0 and check `b` in partition 1, both
 * probing the probe target and down at their first failed run.
 */
import { otherMemberHolding } from './cluster.js';
import { clusterDaemon, clusterStorage, idInPartition, probeCheck, type ClusterDaemon, type ClusterDaemonOptions } from './cluster-daemon.js';

export const PARTITIONS = 3;
/** The checks' interval. */
export const INTERVAL = 10_000;
/** The other member. */
export const OTHER = 'member_other';
/** How long the other member's leases last: the whole test. */
const LONG = 10 * 60_000;

/** The check in partition 0. */
export const a = idInPartition(PARTITIONS, 0, 'a');
/** The check in partition 1, the one to gain. */
export const b = idInPartition(PARTITIONS, 1, 'b');

/** Registers the suite's hooks (see clusterDaemon); `start` as there. */
export function partitionGainedScene(prefix: string, start?: ClusterDaemonOptions['start']): ClusterDaemon & { incidentOf(checkId: string): Promise<Array<{ state: string }>> } {
  const cluster = clusterDaemon({
    prefix,
    probeTarget: true,
    before: (store) => otherMemberHolding(store.db, OTHER, PARTITIONS, [1, 2], LONG),
    config: (url, target) => {
      const checks = [a, b].map((id) => probeCheck(target, id, '10s', 'failure_threshold: 1'));
      return `${clusterStorage(url, PARTITIONS, '3s')}checks:\n${checks.join('\n')}\n`;
    },
    ...(start ? { start } : {}),
  });
  return Object.assign(cluster, {
    /** The states of the incidents of the check's rule. */
    incidentOf: (checkId: string) =>
      cluster.store.db.selectFrom('incidents').innerJoin('incident_alerts', 'incident_alerts.incident_id', 'incidents.id').select(['incidents.state']).where('incident_alerts.rule_id', 'like', `%${checkId}%`).execute(),
  });
}
