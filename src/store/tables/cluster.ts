/** A running opsbook process on a shared PostgreSQL. Instants are database time (epoch ms). */
export interface ClusterMembersTable {
  id: string;
  host: string;
  pid: number;
  url: string;
  started_at: number;
  heartbeat_at: number;
  expires_at: number;
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

export interface ClusterTables {
  cluster_members: ClusterMembersTable;
  cluster_leases: ClusterLeasesTable;
  cluster_fencing: ClusterFencingTable;
}
