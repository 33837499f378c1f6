/**
 * How soon a partition's new holder ran its checks: for every grant of a partition lease to a process
 * that then kept it at least `keptMs` (a holder killed or paused right after its grant says nothing of
 * how soon a holder probes), each check of the partition's first stored result after the grant. Two
 * figures: from the grant, and past when the check was due — an interval after its last stored run,
 * or the grant if that came later (what the new holder could not make up: a check overdue at the
 * grant runs within the catch-up window, one not yet due when it falls due).
 */
import type { LeaseChange } from './evidence.js';

export interface GrantLatency {
  /** check × grant pairs measured. */
  count: number;
  /** Grant → first result, ms: median, 99th percentile, longest. */
  fromGrant: [number, number, number];
  /** First result − max(grant, last result + interval), ms: median, 99th percentile, longest. */
  pastDue: [number, number, number];
}

/**
 * `results`: each check's stored result instants, in order; `leases`: the lease history; the first
 * change of each lease (in force when the watch began) is not a grant and is skipped.
 */
export function grantLatency(results: ReadonlyMap<string, readonly number[]>, leases: ReadonlyMap<string, readonly LeaseChange[]>, leaseOfCheck: (id: string) => string, intervalMs: number, keptMs: number): GrantLatency | undefined {
  const byLease = new Map<string, Array<readonly number[]>>();
  for (const [id, ats] of results) byLease.set(leaseOfCheck(id), [...(byLease.get(leaseOfCheck(id)) ?? []), ats]);
  const fromGrant: number[] = [];
  const pastDue: number[] = [];
  for (const [lease, changes] of leases) {
    changes.forEach((c, i) => {
      if (i === 0 || c.holder === '-') return;
      const end = changes[i + 1]?.at ?? Infinity;
      if (end - c.at < keptMs) return;
      for (const ats of byLease.get(lease) ?? []) {
        // The table is polled: a result planned a moment before the grant was seen may be the new holder's.
        const first = ats.find((at) => at >= c.at - POLL_MS);
        if (first === undefined || first >= end) continue;
        fromGrant.push(Math.max(0, first - c.at));
        const last = ats.filter((at) => at < c.at - POLL_MS).at(-1);
        if (last !== undefined) pastDue.push(first - Math.max(c.at, last + intervalMs));
      }
    });
  }
  if (fromGrant.length === 0) return undefined;
  return { count: fromGrant.length, fromGrant: spread(fromGrant), pastDue: spread(pastDue) };
}

/** The harness polls the lease table every 100 ms. */
const POLL_MS = 100;

function spread(xs: number[]): [number, number, number] {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return [NaN, NaN, NaN];
  return [s[Math.floor(s.length / 2)]!, s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)]!, s.at(-1)!];
}
