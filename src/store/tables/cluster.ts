/** A running opsbook process on a shared PostgreSQL. Instants are database time (epoch ms). */
export interface ClusterMembersTable {
  id: string;
  host: string;
  pid: number;
  url: string;
  started_at: number;
  heartbeat_at: number;
  expires_at: number;
  /** `storage.cluster.member`, when set: a restart with the same name supersedes this incarnation. */
  name: string | null;
  /** The member id of the incarnation that superseded this one. */
  superseded_by: string | null;
  /** When (database time) it began a clean stop: it drains, and counts in no one's fair share. */
  draining_since: number | null;
}

/** One lease: who holds it, under which fencing epoch, until when (database time). */
export interface ClusterLeasesTable {
  name: string;
  holder: string | null;
  epoch: number;
  acquired_at: number;
  expires_at: number;
}

/** A write fencing judged: refused (`rejected`), or let through with fencing off (`accepted_stale`). */
export interface ClusterFencingTable {
  id: string;
  at: number;
  member: string;
  lease: string;
  epoch: number;
  outcome: 'rejected' | 'accepted_stale';
  what: string;
}

/** A check result a stopping process handed over, unevaluated, to the next holder of its partition. */
export interface ClusterHandoverTable {
  id: string;
  lease: string;
  epoch: number;
  check_id: string;
  at: number;
  /** JSON: the CheckResult. */
  result: string;
  /** JSON: the probe state the result was settled to. */
  probe: string;
}

export interface ClusterTables {
  cluster_handover: ClusterHandoverTable;
  cluster_members: ClusterMembersTable;
  cluster_leases: ClusterLeasesTable;
  cluster_fencing: ClusterFencingTable;
}
