import type { CheckContext, Observation } from '../../types.js';
import { observeHttp } from '../shared/observe-http.js';
import { parseExposition, type Sample } from './exposition.js';
import { parseSelector } from './selector.js';
import { Engine, type Value } from '../../../promql/index.js';
import { SampleStore, scopedSource, withTargetLabels } from '../../../samples/index.js';
import { sugarQuery, type MetricsQuery } from './sugar.js';
import type { MetricsOptions } from './schema.js';

// A run of a metrics check: loaded at its first run, so a process that runs checks but no metrics
// check does not load the PromQL engine and the sample store.

interface MetricsState {
  /** The check's own samples when no sample store is wired (a run outside the daemon). */
  samples?: SampleStore;
  /** Scrapes stored so far, to tell "needs a second scrape" from "no value". */
  scrapes?: number;
}

/** The PromQL this check evaluates: its `query:`, or the hand-written form compiled to PromQL. */
function metricsQuery(config: MetricsOptions, windowMs: number): MetricsQuery {
  if (config.query !== undefined) return { value: config.query, series: '', needsTwoScrapes: false };
  const sel = (t: string) => parseSelector(t)!;
  return sugarQuery(
    {
      ...(config.gauge ? { gauge: sel(config.gauge) } : {}),
      ...(config.rate ? { rate: sel(config.rate) } : {}),
      ...(config.ratio ? { ratio: { of: sel(config.ratio.of), over: sel(config.ratio.over) } } : {}),
      ...(config.gauge_ratio ? { gauge_ratio: { of: sel(config.gauge_ratio.of), over: sel(config.gauge_ratio.over) } } : {}),
      ...(config.quantile ? { quantile: { q: config.quantile.q, histogram: sel(config.quantile.histogram) } } : {}),
    },
    windowMs,
  );
}

/** The values of an instant result: a scalar's, or each sample's of a vector. */
function valuesOf(v: Value): number[] {
  if (v.kind === 'scalar') return [v.value];
  if (v.kind === 'vector') return v.samples.map((s) => s.value);
  return [];
}

/**
 * Appends this scrape to the sample store (the daemon's, else the check's own) as series of job
 * `<check id>` and instance `<host:port>`, then evaluates the check's PromQL over that job's series.
 */
function compute(config: MetricsOptions, samples: Sample[], ctx: CheckContext): { value?: number; series: number; pending?: string } {
  const state = ctx.state as MetricsState;
  // share_samples: false keeps the check's copy of a target out of the store rule files read (a scrape: job has it).
  const shared = config.share_samples === false ? undefined : ctx.samples;
  const store = shared ?? (state.samples ??= SampleStore.inMemory(ctx.clock));
  const t = ctx.clock.now();
  const target = { job: ctx.checkId, instance: new URL(config.url).host };
  store.appendScrape(`check\u0000${ctx.checkId}`, t, samples.map((s) => ({ labels: withTargetLabels(s, target), value: s.value })));
  if (!shared) void store.prune();
  state.scrapes = (state.scrapes ?? 0) + 1;
  const query = metricsQuery(config, store.retentionMs);
  const engine = new Engine(scopedSource(store.series(), [{ name: 'job', type: '=', value: ctx.checkId }]));
  const values = valuesOf(engine.instant(query.value, t)).filter((v) => !Number.isNaN(v));
  const series = query.series ? (valuesOf(engine.instant(query.series, t))[0] ?? 0) : values.length;
  if (state.scrapes < 2 && query.needsTwoScrapes) return { series, pending: 'a rate needs a second scrape' };
  // A query of rates has no value at the first scrape either: pending rather than down.
  if (state.scrapes < 2 && values.length === 0 && config.query !== undefined) return { series, pending: 'the query has no value yet; it may need a second scrape' };
  // Several series: the largest, so a threshold on [VALUE] holds when any series crosses it.
  return values.length > 0 ? { value: Math.max(...values), series } : { series };
}

/** One run: scrape, append to the sample store, evaluate the check's PromQL. */
export async function runMetrics(config: MetricsOptions, ctx: CheckContext): Promise<Observation> {
  const obs = await observeHttp(config, ctx, true);
  if (obs.error || typeof obs.values.BODY !== 'string') return obs;
  const { samples } = parseExposition(obs.values.BODY);
  const r = compute(config, samples, ctx);
  obs.values.SERIES = r.series;
  // The exposition can be megabytes; conditions read [VALUE], not the raw text.
  delete obs.values.BODY;
  if (r.value !== undefined) {
    obs.values.VALUE = r.value;
    obs.value = r.value;
  }
  if (r.pending) obs.pending = r.pending;
  return obs;
}