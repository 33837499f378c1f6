/** The options of a metrics check: what the config schema reads, without the scrape and evaluation code. */
import { z } from 'zod';
import type { CheckKindSchema } from '../../types.js';
import { HTTP_PLACEHOLDERS, httpRequestOptions } from '../shared/http-options.js';
import { parseSelector } from './selector.js';
import { parseExpr, typeOf } from '../../../promql/syntax.js';

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
    share_samples: z
      .boolean()
      .default(true)
      .describe("Append this check's scrapes to the daemon's sample store, where rule files read them (default true); false keeps them to the check, e.g. when a scrape: job already scrapes the same target."),
  });
export type MetricsOptions = z.output<typeof metricsOptions>;

/** What validating a metrics check reads: its options, placeholders and default conditions (its probe is index.ts and run.ts). */
export const metricsSchema: CheckKindSchema<MetricsOptions> = {
  kind: 'metrics',
  options: metricsOptions,
  validate: (c) =>
    [c.gauge, c.gauge_ratio, c.rate, c.ratio, c.quantile, c.query].filter((x) => x !== undefined).length === 1
      ? undefined
      : 'set exactly one of query, gauge, gauge_ratio, rate, ratio, quantile',
  placeholders: [...HTTP_PLACEHOLDERS.filter((p) => p !== 'BODY'), 'VALUE', 'SERIES'],
  defaultConditions: () => ['[STATUS] < 400', 'has([VALUE]) == true'],
};
