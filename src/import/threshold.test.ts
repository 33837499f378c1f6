import { describe, expect, it } from 'vitest';
import { condition, parseThreshold } from './threshold.js';

describe('parseThreshold', () => {
  const cases: [string, string, string][] = [
    ['Email queue > 500 jobs: Warning', 'Email queue', '[VALUE] > 500'],
    ['Connection pool utilization > 95%', 'Connection pool utilization', '[VALUE] > 95%'],
    ['Replication lag > 5 seconds', 'Replication lag', '[VALUE] > 5'],
    ['Average query latency > 100ms', 'Average query latency', '[VALUE] > 0.1'],
    ['Error rate >5% (P0 threshold)', 'Error rate', '[VALUE] > 5%'],
    ['High memory usage (> 85%)', 'High memory usage', '[VALUE] > 85%'],
    ['Connection pool utilization 40-70%', 'Connection pool utilization', '[VALUE] < 40% || [VALUE] > 70%'],
    ['Cache hit rate drops to 0%', 'Cache hit rate', '[VALUE] <= 0%'],
    ['Monitor fallback rate (alert if >20%)', 'fallback rate', '[VALUE] > 20%'],
    ['Monitor storage usage (alert at 80%)', 'storage usage', '[VALUE] >= 80%'],
  ];
  it.each(cases)('%s', (text, subject, cond) => {
    const th = parseThreshold(text)!;
    expect(th.subject).toBe(subject);
    expect(condition('[VALUE]', th)).toBe(cond);
  });

  it('reads quantiles, for-durations and negates a healthy value', () => {
    expect(parseThreshold('p99 >2s')).toMatchObject({ quantile: 0.99, op: '>', seconds: 2 });
    expect(parseThreshold('API error rate > 5% for 5 minutes')?.for).toBe('5m');
    expect(condition('[VALUE]', parseThreshold('Replication lag < 2 seconds')!, { negate: true })).toBe('[VALUE] >= 2');
    expect(condition('[RESPONSE_TIME]', parseThreshold('<100ms')!, { negate: true, domain: 'milliseconds' })).toBe('[RESPONSE_TIME] >= 100ms');
  });

  it('finds nothing where no comparison is written', () => {
    expect(parseThreshold('Error rate 100%')).toBeUndefined();
    expect(parseThreshold('Dashboard data is stale')).toBeUndefined();
  });
});
