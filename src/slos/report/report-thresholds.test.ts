/**
 * A check judged by thresholds (warning / critical levels) that spent hours critical is a failing
 * check in the report, as its check page reads it ("Within thresholds"): its critical runs count
 * beside down runs, on SQLite and PostgreSQL.
 */
import { expect, it } from 'vitest';
import { opsConfigSchema } from '../../config/index.js';
import { insertResults, type StoredResult } from '../../store/index.js';
import { describeOnStores } from '../../../test/support/store-targets.js';
import { buildReport, renderReportMarkdown } from './index.js';

const MIN = 60_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1);
const NOW = T0 + 7 * DAY;

await describeOnStores('opsbook-report-thresholds', 'the report’s failing checks', { migrate: true }, (target) => {
  it('count the critical runs of a check judged by thresholds, and say so', async () => {
    const config = opsConfigSchema.parse({
      checks: [
        { id: 'queue', kind: 'metrics', url: 'http://127.0.0.1:9/metrics', gauge: 'demo_queue_depth', interval: '1m', warning: ['[VALUE] > 500'], critical: ['[VALUE] > 1000'] },
        { id: 'port', kind: 'tcp', host: '127.0.0.1', port: 9, interval: '1m' },
      ],
    });
    // The queue: 4 hours of runs on day 2, 3 hours of them critical (up, over 1000), 2 of them down.
    const queue = Array.from({ length: 240 }, (_, i): StoredResult => {
      const down = i >= 100 && i < 102;
      const critical = i >= 60 && i < 240;
      return { checkId: 'queue', at: T0 + DAY + i * MIN, down, level: critical ? 2 : 0, latencyMs: 5, value: down ? null : critical ? 1500 : 10, error: down ? 'refused' : null };
    });
    // The port: 240 runs, 10 of them down.
    const port = Array.from({ length: 240 }, (_, i): StoredResult => ({ checkId: 'port', at: T0 + DAY + i * MIN, down: i < 10, level: i < 10 ? 2 : 0, latencyMs: 3, value: null, error: i < 10 ? 'refused' : null }));
    await insertResults(target.store.db, [...queue, ...port], T0 + DAY);

    const report = await buildReport(target.store, config, '7d', NOW);
    expect(report.failingChecks).toEqual([
      { checkId: 'queue', failures: 180, down: 2, critical: 178, results: 240, uptime: 238 / 240, withinThresholds: 0.25, thresholds: true },
      { checkId: 'port', failures: 10, down: 10, critical: 0, results: 240, uptime: 230 / 240, withinThresholds: 230 / 240, thresholds: false },
    ]);
    expect(report.checksFailing).toBe(2);
    const markdown = renderReportMarkdown(report);
    expect(markdown).toContain('| check | down or critical runs | runs | uptime (within thresholds, for a check judged by them) |');
    expect(markdown).toContain('| queue | 180 (178 critical, 2 down) | 240 | 25% within thresholds |');
    expect(markdown).toContain('| port | 10 | 240 | 95.833% |');
  });
});
