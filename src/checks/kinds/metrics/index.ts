import { z } from 'zod';
import type { CheckContext, CheckKind, Observation } from '../../types.js';
import { HTTP_PLACEHOLDERS, httpRequestOptions } from '../shared/http-options.js';
import { observeHttp } from '../shared/observe-http.js';
import { parseExposition, type Sample } from './exposition.js';
import { parseSelector, type Selector } from './selector.js';
import { bucketsByLe, histogramQuantile, increase, pick, snapshot, sum } from './compute.js';

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
  });
export type MetricsOptions = z.output<typeof metricsOptions>;

interface MetricsState {
  at?: number;
  series?: Record<string, Record<string, number>>;
}

function compute(config: MetricsOptions, samples: Sample[], ctx: CheckContext): { value?: number; series: number; pending?: string } {
  const state = ctx.state as MetricsState;
  const now = ctx.clock.now();
  const prev = state.series;
  const seconds = state.at !== undefined ? (now - state.at) / 1000 : 0;
  const next: Record<string, Record<string, number>> = {};
  const remember = (tag: string, s: Map<string, Sample>): Record<string, number> | undefined => {
    next[tag] = snapshot(s);
    return prev?.[tag];
  };
  let out: { value?: number; series: number; pending?: string };
  if (config.gauge) {
    const s = pick(samples, parseSelector(config.gauge)!);
    out = { value: sum(s), series: s.size };
  } else if (config.rate) {
    const s = pick(samples, parseSelector(config.rate)!);
    const before = remember('rate', s);
    out = before && seconds > 0 ? { value: increase(before, s) / seconds, series: s.size } : { series: s.size, pending: 'a rate needs a second scrape' };
  } else if (config.gauge_ratio) {
    const over = sum(pick(samples, parseSelector(config.gauge_ratio.over)!));
    const of = pick(samples, parseSelector(config.gauge_ratio.of)!);
    // No denominator series, or a zero one, has no ratio: [VALUE] stays unset and has([VALUE]) fails.
    out = over !== 0 && of.size > 0 ? { value: sum(of) / over, series: of.size } : { series: of.size };
  } else if (config.ratio) {
    const of = pick(samples, parseSelector(config.ratio.of)!);
    const over = pick(samples, parseSelector(config.ratio.over)!);
    const b1 = remember('of', of);
    const b2 = remember('over', over);
    if (b1 && b2) {
      const denominator = increase(b2, over);
      out = { value: denominator > 0 ? increase(b1, of) / denominator : 0, series: of.size };
    } else out = { series: of.size, pending: 'a ratio of rates needs a second scrape' };
  } else {
    const sel: Selector = parseSelector(config.quantile!.histogram)!;
    const s = pick(samples, sel, `${sel.name}_bucket`);
    const before = remember('buckets', s);
    // Since the previous scrape when anything was observed in between, else over the process lifetime.
    let buckets = bucketsByLe(s, before ?? {});
    if (!before || (buckets.find((b) => b.le === Infinity)?.count ?? 0) <= 0) buckets = bucketsByLe(s);
    const v = histogramQuantile(config.quantile!.q, buckets);
    out = { ...(v !== undefined ? { value: v } : {}), series: s.size };
  }
  state.at = now;
  state.series = next;
  return out;
}

/**
 * Scrapes a Prometheus /metrics endpoint. Gauges are read as they are; counters become per-second
 * rates between this scrape and the previous one (so the first run of a rate is pending);
 * histograms give quantiles from their buckets.
 */
export const metricsKind: CheckKind<MetricsOptions> = {
  kind: 'metrics',
  options: metricsOptions,
  validate: (c) =>
    [c.gauge, c.gauge_ratio, c.rate, c.ratio, c.quantile].filter((x) => x !== undefined).length === 1
      ? undefined
      : 'set exactly one of gauge, gauge_ratio, rate, ratio, quantile',
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
