import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { propose } from './index.js';

const root = path.resolve(import.meta.dirname, '../..');
const checksOf = async (file: string): Promise<Record<string, Record<string, unknown>>> => {
  const proposal = propose([{ text: await readFile(path.join(root, file), 'utf8'), ref: path.basename(file) }]);
  return Object.fromEntries(proposal.items.filter((i) => i.section === 'checks').map((i) => [i.id, i.body]));
};

describe('import: the metric a figure is read from, as the runbook reads it', () => {
  it('seed 002: the alerting expressions measure "Error rate (5xx)" (a ratio) and "Latency p99" (a quantile)', async () => {
    const checks = await checksOf('examples/django-finance/runbooks/django-finance.md');
    expect(checks['django-finance-error-rate-5xx']).toMatchObject({ kind: 'metrics', ratio: { of: 'http_requests_total{status=~"5.."}', over: 'http_requests_total' }, warning: ['[VALUE] > 0.5%'], critical: ['[VALUE] > 1%'] });
    expect(checks['django-finance-latency-p99']).toMatchObject({ kind: 'metrics', quantile: { q: 0.99, histogram: 'http_request_duration_seconds' }, warning: ['[VALUE] > 2'], critical: ['[VALUE] > 5'] });
    expect(checks['django-finance-error-rate-5xx']!.gauge).toBeUndefined();
  });

  it('seed 001: "Queue depth" is the queue_size the runbook greps out of /metrics; "API error rate" (a percentage) is not the http_request_errors counter', async () => {
    const checks = await checksOf('examples/novapulse/runbooks/novapulse.md');
    expect(checks['novapulse-queue-depth']).toMatchObject({ kind: 'metrics', gauge: 'queue_size' });
    expect(String(checks['novapulse-api-error-rate']!.gauge)).toMatch(/^\$\{TODO_/);
  });

  it('a runbook of another shape: sum()-wrapped ratio and quantile under # comments, grep -E of names, a figure nothing reads', async () => {
    const checks = await checksOf('test/fixtures/import/checkout.md');
    expect(checks['checkout-service-checkout-failures']).toMatchObject({ ratio: { of: 'checkout_requests_total{outcome="failed"}', over: 'checkout_requests_total' } });
    expect(checks['checkout-service-checkout-latency-p95']).toMatchObject({ quantile: { q: 0.95, histogram: 'checkout_duration_seconds' }, warning: ['[VALUE] > 0.8'], critical: ['[VALUE] > 1.5'] });
    expect(checks['checkout-service-open-carts']).toMatchObject({ gauge: 'open_carts', warning: ['[VALUE] > 5000'] });
    expect(String(checks['checkout-service-session-errors']!.gauge)).toMatch(/^\$\{TODO_/);
  });
});
