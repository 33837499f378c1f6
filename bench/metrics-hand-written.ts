/** The metrics check kind's computations before it read PromQL over the sample store, kept for `npm run bench:promql` to compare against. */
import type { Sample } from '../src/samples/index.js';
import { matches, type Selector } from '../src/checks/kinds/metrics/selector.js';

function seriesKey(s: Sample): string {
  return `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
}

/** Current values of the series a selector picks, keyed by series. */
export function pick(samples: Sample[], sel: Selector, name = sel.name): Map<string, Sample> {
  const out = new Map<string, Sample>();
  for (const s of samples) if (matches(sel, s, name)) out.set(seriesKey(s), s);
  return out;
}

export function sum(series: Map<string, Sample>): number {
  let total = 0;
  for (const s of series.values()) total += s.value;
  return total;
}

/**
 * Summed increase of counters between two scrapes. A series that went down was reset (the process
 * restarted), so its whole current value is the increase, as PromQL's rate() treats resets.
 */
export function increase(prev: Record<string, number>, cur: Map<string, Sample>): number {
  let total = 0;
  for (const [key, s] of cur) {
    const before = prev[key];
    if (before === undefined) continue; // a new series has no rate yet
    total += s.value >= before ? s.value - before : s.value;
  }
  return total;
}

export function snapshot(series: Map<string, Sample>): Record<string, number> {
  return Object.fromEntries([...series].map(([k, s]) => [k, s.value]));
}

/**
 * histogram_quantile() over cumulative `le` buckets, as Prometheus computes it: find the bucket the
 * rank falls in and interpolate linearly inside it; a rank in the +Inf bucket returns the highest
 * finite bound.
 */
export function histogramQuantile(q: number, buckets: { le: number; count: number }[]): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (sorted.length < 2 || total <= 0 || sorted.at(-1)!.le !== Infinity) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket <= 0 ? b.le : prevLe + (b.le - prevLe) * ((rank - prevCount) / inBucket);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** Buckets of a histogram summed by `le` across the selected series. */
export function bucketsByLe(series: Map<string, Sample>, minus: Record<string, number> = {}): { le: number; count: number }[] {
  const byLe = new Map<number, number>();
  for (const [key, s] of series) {
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    if (Number.isNaN(le)) continue;
    const before = minus[key] ?? 0;
    const delta = s.value >= before ? s.value - before : s.value;
    byLe.set(le, (byLe.get(le) ?? 0) + delta);
  }
  return [...byLe].map(([le, count]) => ({ le, count }));
}
