import { z } from 'zod';
import type { CheckContext, CheckKind, Observation } from '../../types.js';
import { HTTP_PLACEHOLDERS, httpRequestOptions } from '../shared/http-options.js';
import { observeHttp } from '../shared/observe-http.js';
import { parseExposition, type Sample } from './exposition.js';
import { parseSelector } from './selector.js';
import { Engine, parseExpr, typeOf, type Value } from '../../../promql/index.js';
import { SampleStore, scopedSource, withTargetLabels } from '../../../samples/index.js';
import { sugarQuery, type MetricsQuery } from './sugar.js';

const selector = z.string().refine((s) => parseSelector(s) !== undefined, {
  error: 'must be a selector such as http_requests_total{status=~"5.."}',
});

export const metricsOptions = z
  .object({
    ...httpRequestOptions,
    gauge: selector.optional().describe('Sum of the matching series now → [VALUE] (e.g. nxentra_projection_lag).'),
    rate: selector.optional().describe('Per-second increase of matching counters between two scrapes → [VALUE].'),
    ratio: z
      .strictObject({ of: selector.describe('Numerator counters.'), over: selector.describe('Denominator counters.') })
      .optional()
      .describe('rate(of) / rate(over) between scrapes → [VALUE] (e.g. the 5xx share of http_requests_total).'),
    gauge_ratio: z
      .strictObject({ of: selector.describe('Numerator gauges.'), over: selector.describe('Denominator gauges.') })
      .optional()
      .describe('sum(of) / sum(over) of gauges now → [VALUE] (e.g. MemAvailable over MemTotal, free over size).'),
    quantile: z
      .strictObject({
        q: z.number().min(0).max(1).describe('Quantile, e.g. 0.99.'),
        histogram: selector.describe('Histogram name without _bucket, with label matchers.'),
      })
      .optional()
      .describe('Quantile from `_bucket` series, over the observations since the previous scrape → [VALUE].'),
    query: z
      .string()
      .superRefine((text, ctx) => {
        try {
          const type = typeOf(parseExpr(text));
          if (type !== 'vector' && type !== 'scalar') ctx.addIssue({ code: 'custom', message: `must be a PromQL expression giving an instant vector or a scalar (this one gives a ${type === 'matrix' ? 'range vector' : type})` });
        } catch (e) {
          ctx.addIssue({ code: 'custom', message: `is not valid PromQL: ${(e as Error).message}` });
        }
      })
      .optional()
      .describe('PromQL over the series this check scrapes (job = the check id) → [VALUE] (the largest value when several series answer) and [SERIES] (how many).'),
  });
export type MetricsOptions = z.output<typeof metricsOptions>;

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
  const store = ctx.samples ?? (state.samples ??= SampleStore.inMemory(ctx.clock));
  const t = ctx.clock.now();
  const target = { job: ctx.checkId, instance: new URL(config.url).host };
  store.appendScrape(`check\u0000${ctx.checkId}`, t, samples.map((s) => ({ labels: withTargetLabels(s, target), value: s.value })));
  if (!ctx.samples) void store.prune();
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

/**
 * Scrapes a Prometheus /metrics endpoint into the sample store and evaluates PromQL over it: the
 * check's `query:`, or a hand-written form (gauge, rate, ratio, gauge_ratio, quantile) compiled to
 * PromQL (sugar.ts). Rates are per second between this scrape and the previous one, so the first
 * run of a rate is pending.
 */
export const metricsKind: CheckKind<MetricsOptions> = {
  kind: 'metrics',
  options: metricsOptions,
  validate: (c) =>
    [c.gauge, c.gauge_ratio, c.rate, c.ratio, c.quantile, c.query].filter((x) => x !== undefined).length === 1
      ? undefined
      : 'set exactly one of query, gauge, gauge_ratio, rate, ratio, quantile',
  placeholders: [...HTTP_PLACEHOLDERS.filter((p) => p !== 'BODY'), 'VALUE', 'SERIES'],
  defaultConditions: () => ['[STATUS] < 400', 'has([VALUE]) == true'],
  run: async (config, ctx): Promise<Observation> => {
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
  },
};
