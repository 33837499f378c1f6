import type { CheckKind } from '../../types.js';
import { HTTP_PLACEHOLDERS } from '../shared/http-options.js';
import { metricsOptions, type MetricsOptions } from './options.js';

export { metricsOptions, type MetricsOptions } from './options.js';

let runModule: Promise<typeof import('./run.js')> | undefined;

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
  run: async (config, ctx) => (await (runModule ??= import('./run.js'))).runMetrics(config, ctx),
};
