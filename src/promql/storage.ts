import { labelsKey, labelValue, METRIC_NAME, type Labels } from './model.js';
import { compileMatcher, type Matcher } from './matchers.js';

/** A stored sample. A staleness marker says the series ended at `t` (Prometheus' StaleNaN). */
export interface StoredSample {
  t: number;
  v: number;
  stale?: boolean;
}

export interface StoredSeries {
  labels: Labels;
  /** Samples in time order. */
  samples: readonly StoredSample[];
}

/** What the evaluator reads: the series whose labels satisfy every matcher, with samples in (mint, maxt]. */
export interface SeriesSource {
  select(matchers: readonly Matcher[], mint: number, maxt: number): Iterable<StoredSeries>;
}

/**
 * Where samples are written: recording rules' outputs and the ALERTS series. A store that is both a
 * source and a sink lets later rules read what earlier rules recorded.
 */
export interface SeriesSink {
  /** Appends (or replaces) the sample of `labels` at `t`; `stale` writes a staleness marker. */
  add(labels: Labels, t: number, v: number, stale?: boolean): void;
}

/** Whether a source also takes samples (the daemon hands rule outputs to it when it does). */
export function isSeriesSink(source: unknown): source is SeriesSink {
  return typeof (source as Partial<SeriesSink> | null)?.add === 'function';
}

/** A series source in memory: for tests, `opsbook test rules` and as the head of a time-series store. */
export class MemorySeriesSource implements SeriesSource, SeriesSink {
  private readonly series = new Map<string, { labels: Labels; samples: StoredSample[] }>();
  private readonly byName = new Map<string, Set<string>>();

  add(labels: Labels, t: number, v: number, stale = false): void {
    const key = labelsKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels: Object.fromEntries(Object.entries(labels).filter(([, x]) => x !== '')), samples: [] };
      this.series.set(key, s);
      const name = labels[METRIC_NAME] ?? '';
      let keys = this.byName.get(name);
      if (!keys) this.byName.set(name, (keys = new Set()));
      keys.add(key);
    }
    const sample: StoredSample = stale ? { t, v: Number.NaN, stale: true } : { t, v };
    const last = s.samples[s.samples.length - 1];
    if (!last || last.t < t) s.samples.push(sample);
    else if (last.t === t) s.samples[s.samples.length - 1] = sample;
    else {
      const i = lowerBound(s.samples, t);
      if (s.samples[i]?.t === t) s.samples[i] = sample;
      else s.samples.splice(i, 0, sample);
    }
  }

  clear(): void {
    this.series.clear();
    this.byName.clear();
  }

  get size(): number {
    return this.series.size;
  }

  *select(matchers: readonly Matcher[], mint: number, maxt: number): Iterable<StoredSeries> {
    const compiled = matchers.map(compileMatcher);
    const nameEq = matchers.find((m) => m.name === METRIC_NAME && m.type === '=');
    const keys = nameEq ? (this.byName.get(nameEq.value) ?? []) : this.series.keys();
    for (const key of keys) {
      const s = this.series.get(key)!;
      if (!compiled.every((m) => m(labelValue(s.labels, m.label)))) continue;
      const from = lowerBound(s.samples, mint + 1);
      const to = lowerBound(s.samples, maxt + 1);
      if (from >= to) continue;
      yield { labels: s.labels, samples: s.samples.slice(from, to) };
    }
  }
}

/** The index of the first sample at or after `t`. */
export function lowerBound(samples: readonly StoredSample[], t: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (samples[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
