/** The history bar and the outages of a check page show a withheld run as unknown: not failed, not an outage. */
import { describe, expect, it } from 'vitest';
import type { RawResultRow } from '../../store/index.js';
import { historyBar } from './history-bar.js';
import { outagesOf } from './data/check-timeline.js';

const T0 = Date.UTC(2026, 0, 1);
const row = (at: number, over: Partial<RawResultRow>): RawResultRow => ({ at, down: false, level: 0, unknown: false, latencyMs: 20, value: null, error: null, ...over });
const RUNS = [
  row(T0, {}),
  row(T0 + 10_000, { down: true, level: 2, error: 'connect ECONNREFUSED' }),
  row(T0 + 20_000, { unknown: true, latencyMs: 9000, error: "unknown: opsbook's event loop was 2400 ms late" }),
  row(T0 + 30_000, { down: true, level: 2, error: 'connect ECONNREFUSED' }),
  row(T0 + 40_000, {}),
  row(T0 + 50_000, { unknown: true, latencyMs: 9000, error: "unknown: opsbook's event loop was 2400 ms late" }),
];

describe('withheld runs on a check page', () => {
  it('draws them as unknown, and counts only judged runs as failed', () => {
    const bar = String(historyBar(RUNS, 10, 'busy'));
    expect(bar.match(/class="bar-unknown" data-state="unknown"/g)).toHaveLength(2);
    expect(bar).toContain('unknown (opsbook was too slow to time this run)');
    expect(bar).toContain('aria-label="busy: last 6 results, 2 failed, latest unknown"');
  });

  it('neither starts nor ends an outage with them', () => {
    expect(outagesOf(RUNS)).toEqual([{ from: T0 + 10_000, to: T0 + 40_000, runs: 2, error: 'connect ECONNREFUSED' }]);
  });
});
