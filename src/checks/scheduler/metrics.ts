import { createRequire } from 'node:module';
import type { Counter, Histogram, Registry } from 'prom-client';

// prom-client (with the OpenTelemetry API under it, about 80 modules) loads when metrics are made for
// a registry, in the daemon: a command that lists or runs checks once never loads it.
const require = createRequire(import.meta.url);

/** The scheduler's and runner's metrics, registered on a registry the caller owns. */
export interface CheckMetrics {
  lag: Histogram<'kind'>;
  runs: Counter<'kind'>;
  failures: Counter<'kind'>;
  missed: Counter<'kind'>;
}

export function createCheckMetrics(registry: Registry): CheckMetrics {
  const { Counter, Histogram } = require('prom-client') as typeof import('prom-client');
  return {
    lag: new Histogram({
      name: 'opsbook_check_lag_seconds',
      help: 'Delay between when a check was planned to start and when it started.',
      labelNames: ['kind'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    runs: new Counter({ name: 'opsbook_check_runs_total', help: 'Check runs, by kind.', labelNames: ['kind'], registers: [registry] }),
    failures: new Counter({ name: 'opsbook_check_failures_total', help: 'Check runs that were down, by kind.', labelNames: ['kind'], registers: [registry] }),
    missed: new Counter({
      name: 'opsbook_check_missed_runs_total',
      help: 'Planned runs skipped because the previous run of the same check was still going.',
      labelNames: ['kind'],
      registers: [registry],
    }),
  };
}
