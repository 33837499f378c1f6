/** The lease of partition `n` of the checks and escalations: `checks/07`. */
export function partitionLease(n: number): string {
  return `checks/${String(n).padStart(2, '0')}`;
}

/** Rule files, SLOs and scheduled procedures: run by one process at a time. */
export const SINGLETONS_LEASE = 'singletons';

/** Every lease a cluster of `partitions` partitions has. */
export function allLeases(partitions: number): string[] {
  return [...Array.from({ length: partitions }, (_, i) => partitionLease(i)), SINGLETONS_LEASE];
}

/**
 * The partition a check (by id) or an escalation (by incident id) falls in: FNV-1a of the id,
 * the same in every process and across restarts.
 */
export function partitionOf(id: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

/** The lease a check or an incident's escalation is run under. */
export function leaseOf(id: string, partitions: number): string {
  return partitionLease(partitionOf(id, partitions));
}

/**
 * How many leases a member should hold with `members` live: an even share, rounded up so the
 * leases are all held (the first members may hold one more).
 */
export function fairShare(leases: number, members: number): number {
  return Math.ceil(leases / Math.max(1, members));
}
