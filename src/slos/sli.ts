import {
  LATENCY_BUCKETS_MS,
  RESOLUTION_MS,
  checkKeysByIds,
  minuteRollupsOf,
  rollupMarks,
  sumRollupPieces,
  valueMinutesOf,
  type MinuteSums,
  type RollupPiece,
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

/**
 * What a set of reads looks up once and shares (a report's SLOs, one status's windows): how far each
 * rollup level is rolled and the keys of the checks. Fresh for each request: both change over time.
 */
export interface SliReads {
  marks?: Map<number, number>;
  keys?: Map<string, number>;
}

/** Keys of the checks that have one, in the checks' order. */
export async function checkKeysOf(store: Store, checks: readonly string[], reads: SliReads = {}): Promise<number[]> {
  const missing = checks.filter((id) => !reads.keys?.has(id));
  if (missing.length > 0 || !reads.keys) {
    const found = await checkKeysByIds(store.db, missing);
    reads.keys = new Map([...(reads.keys ?? []), ...found]);
  }
  return checks.flatMap((id) => (reads.keys!.has(id) ? [reads.keys!.get(id)!] : []));
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
export async function readEvents(store: Store, slo: Slo, from: number, to: number, reads: SliReads = {}): Promise<EventCounts> {
  return (await readEventsOver(store, slo, [{ from, to }], reads))[0]!;
}

/**
 * Good and total events of an SLO over each span, in a number of statements that does not grow with
 * the spans: each span is covered with rollups exactly as on its own (a day or an hour row is used
 * only when the span holds it whole, and only as far as that level is rolled), then all pieces of
 * all spans are summed in one statement; error-ratio minutes are read once over all spans.
 */
export async function readEventsOver(store: Store, slo: Slo, spans: readonly { from: number; to: number }[], reads: SliReads = {}): Promise<EventCounts[]> {
  const cut = spans.map((s) => ({ from: floorMinute(s.from), to: floorMinute(s.to) }));
  const out: EventCounts[] = cut.map(() => ({ good: 0, total: 0 }));
  const live = cut.filter((s) => s.to > s.from);
  if (live.length === 0) return out;
  const keys = await checkKeysOf(store, slo.checks, reads);
  if (keys.length === 0) return out;
  if (slo.kind === 'error_ratio') {
    const minutes = await valueMinutesOf(store.db, keys, Math.min(...live.map((s) => s.from)), Math.max(...live.map((s) => s.to)));
    cut.forEach((s, i) => {
      // Minutes in time order, added as a read of the span alone adds them.
      for (let m = firstAtOrAfter(minutes, s.from); m < minutes.length && minutes[m]!.start < s.to; m++) {
        out[i]!.total += minutes[m]!.count;
        out[i]!.good += minutes[m]!.count - minutes[m]!.valueSum;
      }
    });
    return out;
  }
  reads.marks ??= await rollupMarks(store.db);
  const marks = reads.marks;
  const covers = cut.map((s) => (s.to > s.from ? cover(s.from, s.to, marks) : []));
  const pieces: RollupPiece[] = covers.flat();
  const sums = await sumRollupPieces(store.db, keys, pieces, 'events');
  let next = 0;
  covers.forEach((c, i) => {
    const first = next;
    next += c.length;
    // Key by key, piece by piece: the order (and so the rounding) of a read of the span alone.
    for (const key of keys) {
      for (let p = first; p < next; p++) {
        const e = eventsOf(slo, sums[p]!.get(key)!);
        out[i]!.good += e.good;
        out[i]!.total += e.total;
      }
    }
  });
  return out;
}

/** Index of the first minute starting at or after `at` (minutes in time order). */
function firstAtOrAfter(minutes: readonly { start: number }[], at: number): number {
  let lo = 0;
  let hi = minutes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (minutes[mid]!.start < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
