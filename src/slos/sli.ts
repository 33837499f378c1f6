import {
  LATENCY_BUCKETS_MS,
  RESOLUTION_MS,
  checkKeyOf,
  minuteRollupsOf,
  rollupMarks,
  sumRollups,
  valueMinutesOf,
  type MinuteSums,
  type Store,
} from '../store/index.js';
import type { EventCounts, Slo } from './types.js';
import { floorMinute } from './windows.js';

/**
 * SLIs come from check rollups (minute, hour, day) only, never from raw results: a 30-day window
 * costs a few summed rows per check. Windows are cut at minute resolution and end at the latest
 * rolled minute, so the newest couple of minutes count once the rollup job has closed them.
 */

/** Results at or under `thresholdMs`: whole buckets below it, plus a linear share of the bucket it falls in. */
export function countUnder(buckets: readonly number[], thresholdMs: number): number {
  let n = 0;
  for (let i = 0; i < buckets.length; i++) {
    const upper = LATENCY_BUCKETS_MS[i]!;
    const lower = i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1]!;
    if (upper <= thresholdMs) n += buckets[i]!;
    else {
      if (thresholdMs > lower && Number.isFinite(upper)) n += buckets[i]! * ((thresholdMs - lower) / (upper - lower));
      break;
    }
  }
  return n;
}

/** Good and total events of one rollup sum for this SLO. */
export function eventsOf(slo: Slo, s: Pick<MinuteSums, 'count' | 'failures' | 'buckets'>): EventCounts {
  if (slo.kind === 'latency') return { good: countUnder(s.buckets, slo.thresholdMs!), total: s.count };
  return { good: s.count - s.failures, total: s.count };
}

export async function checkKeysOf(store: Store, checks: readonly string[]): Promise<number[]> {
  const keys: number[] = [];
  for (const id of checks) {
    const k = await checkKeyOf(store.db, id);
    if (k !== undefined) keys.push(k);
  }
  return keys;
}

type Piece = { resolution: 1 | 2 | 3; from: number; to: number };

/** Covers [from, to) with whole days, then hours, then minutes, each only as far as it is rolled. */
function cover(from: number, to: number, marks: Map<number, number>, level: 1 | 2 | 3 = 3): Piece[] {
  const size = RESOLUTION_MS[level]!;
  const s = Math.ceil(from / size) * size;
  const e = Math.floor(Math.min(to, marks.get(level) ?? -Infinity) / size) * size;
  if (level === 1) return e > s ? [{ resolution: 1, from: s, to: e }] : [];
  if (s >= e) return cover(from, to, marks, (level - 1) as 1 | 2);
  return [...cover(from, s, marks, (level - 1) as 1 | 2), { resolution: level, from: s, to: e }, ...cover(e, to, marks, (level - 1) as 1 | 2)];
}

/** Good and total events of an SLO over [from, to), from rollups. */
export async function readEvents(store: Store, slo: Slo, from: number, to: number): Promise<EventCounts> {
  from = floorMinute(from);
  to = floorMinute(to);
  const keys = await checkKeysOf(store, slo.checks);
  const out: EventCounts = { good: 0, total: 0 };
  if (to <= from || keys.length === 0) return out;
  if (slo.kind === 'error_ratio') {
    for (const m of await valueMinutesOf(store.db, keys, from, to)) {
      out.total += m.count;
      out.good += m.count - m.valueSum;
    }
    return out;
  }
  const marks = await rollupMarks(store.db);
  const pieces = cover(from, to, marks);
  for (const key of keys) {
    for (const p of pieces) {
      const e = eventsOf(slo, await sumRollups(store.db, key, p.resolution, p.from, p.to));
      out.good += e.good;
      out.total += e.total;
    }
  }
  return out;
}

/** Per-minute good/total of an SLO over [from, to), from minute rollups (or value minutes). */
export async function readMinutes(store: Store, slo: Slo, keys: readonly number[], from: number, to: number): Promise<{ start: number; good: number; total: number }[]> {
  if (slo.kind === 'error_ratio') {
    return (await valueMinutesOf(store.db, keys, from, to)).map((m) => ({ start: m.start, good: m.count - m.valueSum, total: m.count }));
  }
  return (await minuteRollupsOf(store.db, keys, from, to)).map((m) => ({ start: m.start, ...eventsOf(slo, m) }));
}

/** Share of good events, or undefined when there were none. */
export function attainment(e: EventCounts): number | undefined {
  return e.total > 0 ? e.good / e.total : undefined;
}

/** Burn rate: the bad share over the budget share. 1 spends the budget exactly over the window. */
export function burnRate(e: EventCounts, objective: number): number {
  return e.total > 0 ? (e.total - e.good) / e.total / (1 - objective) : 0;
}
