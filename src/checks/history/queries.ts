import type { Store } from '../../store/index.js';
import { LATENCY_BUCKETS_MS, RESOLUTION_MS, latencyBucket, resultsOfKeys } from '../../store/repos/check-history.js';
import { checkKeysByIds, rollupMarks, sumRollupPieces, type RollupSums } from '../../store/repos/check-rollups.js';

export interface WindowStats {
  count: number;
  failures: number;
  /** Runs at the warning level. */
  warnings: number;
  /** Runs at the critical level (a down run is critical too). */
  criticals: number;
  /** Share of runs that were up, 0..1; undefined when nothing ran in the window. */
  uptime: number | undefined;
  /**
   * Share of runs that were up and at neither the warning nor the critical level, 0..1: what a
   * check judged by thresholds (metrics, json) reports instead of uptime. Undefined when nothing ran.
   */
  withinThresholds: number | undefined;
  /** Latency percentiles in ms, interpolated inside LATENCY_BUCKETS_MS buckets. */
  latency: Record<string, number | undefined>;
  valueMin: number | null;
  valueMax: number | null;
}

interface Piece {
  resolution: 1 | 2 | 3;
  from: number;
  to: number;
}

/**
 * Covers [from, to) with the coarsest rollups available: whole days from day rows, the hours
 * around them from hour rows, the minutes at the edges from minute rows — each only as far as it
 * has been rolled. What is after the minute mark (the last couple of minutes) is read raw.
 */
function cover(from: number, to: number, marks: Map<number, number>, level: 1 | 2 | 3 = 3): Piece[] {
  if (to <= from) return [];
  if (level === 1) {
    const size = RESOLUTION_MS[1]!;
    const end = Math.min(to, marks.get(1) ?? -Infinity);
    return end > from ? [{ resolution: 1, from: Math.ceil(from / size) * size, to: end }] : [];
  }
  const size = RESOLUTION_MS[level]!;
  const s = Math.ceil(from / size) * size;
  const e = Math.floor(Math.min(to, marks.get(level) ?? -Infinity) / size) * size;
  if (s >= e) return cover(from, to, marks, (level - 1) as 1 | 2);
  return [...cover(from, s, marks, (level - 1) as 1 | 2), { resolution: level, from: s, to: e }, ...cover(e, to, marks, (level - 1) as 1 | 2)];
}

/** Uptime, failures and latency percentiles of one check over any window, from rollups. */
export async function windowStats(store: Store, checkId: string, from: number, to: number, quantiles: number[] = [0.5, 0.95, 0.99]): Promise<WindowStats> {
  return (await windowStatsOf(store, [{ checkId, from, to }], quantiles))[0]!;
}

/** One check over one window, for `windowStatsOf`. */
export interface CheckWindow {
  checkId: string;
  from: number;
  to: number;
}

// Raw results read for one window at most (the newest), as a single window's read always did.
const RAW_LIMIT = 100_000;

/**
 * `windowStats` of many windows (days of a status page, buckets of a chart, checks of a report) in a
 * few statements whatever their number: the keys and marks once, every window's rollup pieces
 * summed in one statement, the raw results past the minute mark in one. Each window is covered and
 * added up exactly as on its own.
 */
export async function windowStatsOf(store: Store, windows: readonly CheckWindow[], quantiles: number[] = [0.5, 0.95, 0.99]): Promise<WindowStats[]> {
  const totals = windows.map(() => emptySums());
  // Runs down, warning or critical, per window (what "within thresholds" leaves out).
  const outside = windows.map(() => 0);
  const keyOf = await checkKeysByIds(store.db, windows.map((w) => w.checkId));
  const known = windows.flatMap((w, i) => (keyOf.has(w.checkId) ? [{ ...w, i, key: keyOf.get(w.checkId)! }] : []));
  if (known.length > 0) {
    const marks = await rollupMarks(store.db);
    const covers = known.map((w) => cover(w.from, w.to, marks));
    const sums = await sumRollupPieces(store.db, [...new Set(known.map((w) => w.key))], covers.flat());
    let next = 0;
    known.forEach((w, n) => {
      for (const _ of covers[n]!) {
        const piece = sums[next++]!.get(w.key)!;
        add(totals[w.i]!, piece);
        // A down run is stored at the critical level; an older store may have kept one at level 0.
        outside[w.i]! += piece.warnings + Math.max(piece.criticals, piece.failures);
      }
    });
    const raw = known.map((w) => ({ ...w, rawFrom: Math.max(w.from, marks.get(1) ?? w.from) })).filter((w) => w.rawFrom < w.to);
    if (raw.length > 0) {
      const rows = await resultsOfKeys(store.db, [...new Set(raw.map((w) => w.key))], Math.min(...raw.map((w) => w.rawFrom)), Math.max(...raw.map((w) => w.to)));
      for (const w of raw) {
        const total = totals[w.i]!;
        // Newest first, as many as one window's read takes.
        let taken = 0;
        for (const r of rows.get(w.key) ?? []) {
          if (r.at < w.rawFrom || r.at >= w.to) continue;
          if (taken++ >= RAW_LIMIT) break;
          // As the rollups: a run whose verdict was withheld is neither good nor bad.
          if (r.unknown) continue;
          total.count++;
          if (r.down) total.failures++;
          // As the rollups count levels: by the stored level, whether down or not.
          if (r.level === 1) total.warnings++;
          else if (r.level === 2) total.criticals++;
          if (r.down || r.level > 0) outside[w.i]!++;
          total.buckets[latencyBucket(r.latencyMs)]!++;
          if (r.value !== null) {
            total.value_min = total.value_min === null ? r.value : Math.min(total.value_min, r.value);
            total.value_max = total.value_max === null ? r.value : Math.max(total.value_max, r.value);
          }
        }
      }
    }
  }
  return totals.map((total, i) => ({
    count: total.count,
    failures: total.failures,
    warnings: total.warnings,
    criticals: total.criticals,
    uptime: total.count > 0 ? (total.count - total.failures) / total.count : undefined,
    withinThresholds: total.count > 0 ? Math.max(0, total.count - outside[i]!) / total.count : undefined,
    latency: Object.fromEntries(quantiles.map((q) => [`p${Math.round(q * 100)}`, bucketQuantile(q, total.buckets)])),
    valueMin: total.value_min,
    valueMax: total.value_max,
  }));
}

function emptySums(): RollupSums {
  return { count: 0, failures: 0, warnings: 0, criticals: 0, latency_sum: 0, buckets: LATENCY_BUCKETS_MS.map(() => 0), value_min: null, value_max: null };
}

function add(into: RollupSums, s: RollupSums): void {
  into.count += s.count;
  into.failures += s.failures;
  into.warnings += s.warnings;
  into.criticals += s.criticals;
  into.latency_sum += s.latency_sum;
  s.buckets.forEach((b, i) => (into.buckets[i]! += b));
  if (s.value_min !== null) into.value_min = into.value_min === null ? s.value_min : Math.min(into.value_min, s.value_min);
  if (s.value_max !== null) into.value_max = into.value_max === null ? s.value_max : Math.max(into.value_max, s.value_max);
}

/** Quantile from bucket counts, linear inside the bucket; the open last bucket reports its lower bound. */
export function bucketQuantile(q: number, counts: number[]): number | undefined {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    const lower = i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1]!;
    const upper = LATENCY_BUCKETS_MS[i]!;
    if (c > 0 && seen + c >= rank) {
      if (!Number.isFinite(upper)) return lower;
      return lower + (upper - lower) * ((rank - seen) / c);
    }
    seen += c;
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 2];
}

export async function uptime(store: Store, checkId: string, from: number, to: number): Promise<number | undefined> {
  return (await windowStats(store, checkId, from, to, [])).uptime;
}

export async function latencyPercentiles(store: Store, checkId: string, from: number, to: number, quantiles = [0.5, 0.95, 0.99]): Promise<Record<string, number | undefined>> {
  return (await windowStats(store, checkId, from, to, quantiles)).latency;
}
