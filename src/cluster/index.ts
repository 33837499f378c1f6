export { ClusterCoordinator, type ClusterOptions, type ClusterHealth } from './coordinator.js';
export { runUnderLease, currentLease, outsideLease } from './fence-context.js';
export { partitionOf, leaseOf, partitionLease, allLeases, fairShare, SINGLETONS_LEASE } from './partitions.js';
export { clusterStatus, type ClusterStatus } from './status.js';
export { clusterProcedureClaims, type ProcedureClaims } from './procedure-runs.js';
