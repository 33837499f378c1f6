import { fencingCounts, listLeases, listMembers, type Store } from '../store/index.js';
import { leaseOf } from './partitions.js';

export interface ClusterStatus {
  /** False on SQLite: one process does all the work. */
  clustered: boolean;
  members: Array<{
    id: string;
    /** `storage.cluster.member`, when the process was given one. */
    name: string | null;
    /** The member id of the newer process of the same name that took this one's leases over. */
    superseded_by: string | null;
    /** When (database time) it began a clean stop: it drains its queued work and counts in no one's fair share. */
    draining_since: number | null;
    host: string;
    pid: number;
    url: string;
    started_at: number;
    /** Milliseconds since its last heartbeat, by the database's clock. */
    heartbeat_age_ms: number;
    alive: boolean;
    leases: string[];
    checks: string[];
  }>;
  leases: Array<{ name: string; holder: string | null; epoch: number; held_for_ms: number | null; expires_in_ms: number | null }>;
  /** Checks no live process runs now (between a death and the takeover). */
  unowned_checks: string[];
  fencing: { rejected: number; accepted_stale: number };
}

/** Who runs what, read from the store (any process, or a CLI, sees the same). */
export async function clusterStatus(store: Store, checkIds: readonly string[], partitions: number): Promise<ClusterStatus> {
  if (store.dialect !== 'postgres') return { clustered: false, members: [], leases: [], unowned_checks: [], fencing: { rejected: 0, accepted_stale: 0 } };
  const [members, leases, fencing] = await Promise.all([listMembers(store.db), listLeases(store.db), fencingCounts(store.db)]);
  const now = leases[0]?.now ?? Date.now();
  const live = (l: { holder: string | null; expires_at: number }) => l.holder !== null && l.expires_at > now;
  const holderOf = new Map(leases.filter(live).map((l) => [l.name, l.holder!]));
  const checksOf = new Map<string, string[]>();
  const unowned: string[] = [];
  for (const id of checkIds) {
    const holder = holderOf.get(leaseOf(id, partitions));
    if (holder === undefined) unowned.push(id);
    else checksOf.set(holder, [...(checksOf.get(holder) ?? []), id]);
  }
  return {
    clustered: true,
    members: members.map((m) => ({
      id: m.id,
      name: m.name ?? null,
      superseded_by: m.superseded_by ?? null,
      draining_since: m.draining_since === null || m.draining_since === undefined ? null : Number(m.draining_since),
      host: m.host,
      pid: m.pid,
      url: m.url,
      started_at: m.started_at,
      heartbeat_age_ms: Math.max(0, now - m.heartbeat_at),
      alive: m.expires_at > now,
      leases: leases.filter((l) => live(l) && l.holder === m.id).map((l) => l.name),
      checks: checksOf.get(m.id) ?? [],
    })),
    leases: leases.map((l) => ({
      name: l.name,
      holder: live(l) ? l.holder : null,
      epoch: l.epoch,
      held_for_ms: live(l) ? Math.max(0, now - l.acquired_at) : null,
      expires_in_ms: live(l) ? l.expires_at - now : null,
    })),
    unowned_checks: unowned,
    fencing,
  };
}
