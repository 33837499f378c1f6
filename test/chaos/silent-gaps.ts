/**
 * Why the chaos run's silent checks were silent: each check's longest gap between two probes, put
 * beside the disturbances and the lease history of its partition. A gap that a disturbance of the
 * partition's holder falls in splits into three parts: from the last probe to the disturbance, from
 * the disturbance to the lease's grant to another process (or the same one started again), and from
 * that grant to the first probe after it (the new holder's move of the work, and its run).
 */
import type { LeaseHistory } from './evidence.js';

export interface SilentGap {
  id: string;
  /** The last probe before the gap. */
  from: number;
  /** The first probe after it (or the end of the chaos). */
  to: number;
}

export interface GapDisturbance {
  kind: 'kill' | 'pause' | 'restart';
  /** The process disturbed (its node name, as the lease history names holders). */
  node: string;
  at: number;
  /** The leases the disturbed process held then, lease → epoch. */
  held: ReadonlyMap<string, number>;
}

const NAMES: Record<GapDisturbance['kind'], string> = { kill: 'SIGKILL', pause: 'SIGSTOP', restart: 'SIGTERM+restart' };

/**
 * One line per cause, with the median and longest of each part of the gap. A disturbance counts for
 * a gap when the disturbed process held the check's partition then — by the harness's snapshot taken
 * just before it, or by the lease history, which also catches a partition granted to it in the
 * instant it was paused (the snapshot, read before the signal, misses that). When a later holder of
 * the partition within the gap was disturbed too (the process that took it over was killed or paused
 * before its first probe), the gap is that chain's: it says so, and splits the time from the first
 * grant to the grant to the process that probed. Counted under the first disturbance alone, with the
 * first grant, such a gap read as a slow new holder (a kill 1.2 s after the grant, then a pause of the
 * next holder at its grant: "grant → first probe" 12 s after a clean stop).
 */
export function silentGapCauses(gaps: readonly SilentGap[], disturbances: readonly GapDisturbance[], history: LeaseHistory, leaseOfCheck: (id: string) => string): string[] {
  const groups = new Map<string, number[][]>();
  const add = (cause: string, parts: number[]) => groups.set(cause, [...(groups.get(cause) ?? []), parts]);
  for (const g of gaps) {
    const lease = leaseOfCheck(g.id);
    const changes = history.between(lease, g.from, g.to);
    // The epoch the disturbed process held the partition under when it was disturbed, if it held it.
    const heldEpoch = (d: GapDisturbance): number | undefined => {
      const snapshot = d.held.get(lease);
      if (snapshot !== undefined) return snapshot;
      const around = history.between(lease, d.at, d.at + GRANT_RACE_MS);
      const inForce = around[0] && around[0].at <= d.at ? around[0] : undefined;
      if (inForce?.holder === d.node) return inForce.epoch;
      return around.find((c) => c.at > d.at && c.holder === d.node)?.epoch;
    };
    const hits = disturbances.filter((x) => x.at >= g.from && x.at <= g.to).flatMap((x) => {
      const epoch = heldEpoch(x);
      return epoch === undefined ? [] : [{ d: x, epoch }];
    });
    const first = hits[0];
    if (first) {
      const { d } = first;
      const grants = changes.filter((c) => c.at > d.at && c.holder !== '-' && c.epoch > first.epoch);
      const grant = grants[0];
      // Granted to the disturbed process itself: woken (a pause), or started again (it superseded its
      // previous incarnation at its start, and its checks wait for the rest of the start).
      const to = grant?.holder !== d.node ? 'another process' : d.kind === 'pause' ? 'the same process, woken' : 'the process started again';
      if (!grant) {
        add(`after ${NAMES[d.kind]}, lease not granted again within the gap (last probe → ${d.kind} / ${d.kind} → next probe)`, [d.at - g.from, g.to - d.at]);
        continue;
      }
      const then = hits.slice(1).filter((h) => h.d.at >= grant.at && h.epoch >= grant.epoch);
      const last = grants.at(-1)!;
      if (then.length > 0) {
        add(
          `after ${NAMES[d.kind]}, taken by ${to}, then its next holder ${[...new Set(then.map((h) => NAMES[h.d.kind]))].join(' and ')} before probing (last probe → ${d.kind} / ${d.kind} → first grant / first grant → last grant / last grant → first probe)`,
          [d.at - g.from, grant.at - d.at, last.at - grant.at, g.to - last.at],
        );
      } else add(`after ${NAMES[d.kind]}, taken by ${to} (last probe → ${d.kind} / ${d.kind} → lease granted again / grant → first probe)`, [d.at - g.from, grant.at - d.at, g.to - grant.at]);
    } else if (changes.length > 1) {
      const grant = changes.filter((c) => c.holder !== '-').at(-1)!;
      add('holder changed with no disturbance of it (a renewal late, a rebalance) (last probe → last grant / grant → first probe)', [grant.at - g.from, g.to - grant.at]);
    } else {
      add('one holder throughout (a slow process) (gap)', [g.to - g.from]);
    }
  }
  const s = (ms: number) => (ms / 1000).toFixed(1);
  return [...groups].map(([cause, rows]) => {
    const cols = rows[0]!.map((_, i) => rows.map((r) => r[i]!).sort((a, b) => a - b));
    const median = cols.map((c) => s(c[Math.floor(c.length / 2)]!)).join(' / ');
    const max = cols.map((c) => s(c.at(-1)!)).join(' / ');
    return `${rows.length} ${cause}: median ${median} s, max ${max} s`;
  });
}

/** A grant the lease table shows within this of a signal was taken by a process already stopped (the table is polled every 100 ms). */
const GRANT_RACE_MS = 500;
