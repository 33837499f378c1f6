import type { CheckKind } from '../../types.js';
import { metricsSchema, type MetricsOptions } from './schema.js';

let runModule: Promise<typeof import('./run.js')> | undefined;

/**
 * Scrapes a Prometheus /metrics endpoint into the sample store and evaluates PromQL over it: the
 * check's `query:`, or a hand-written form (gauge, rate, ratio, gauge_ratio, quantile) compiled to
 * PromQL (sugar.ts). Rates are per second between this scrape and the previous one, so the first
 * run of a rate is pending.
 */
export const metricsKind: CheckKind<MetricsOptions> = {
  ...metricsSchema,
  run: async (config, ctx) => (await (runModule ??= import('./run.js'))).runMetrics(config, ctx),
};
