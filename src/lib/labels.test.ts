import { describe, expect, it } from 'vitest';
import { anchoredRegex, labelMatches, labelsMatch } from './labels.js';

describe('label matchers', () => {
  it('anchors regexes at both ends, as Prometheus and Alertmanager do', () => {
    expect(labelMatches({ label: 'status', op: '=~', value: '5..' }, { status: '503' })).toBe(true);
    expect(labelMatches({ label: 'status', op: '=~', value: '5..' }, { status: '5030' })).toBe(false);
    expect(labelMatches({ label: 'db', op: '!~', value: 'db-.*' }, { db: 'xdb-1' })).toBe(true);
  });

  it('reads a missing label as the empty string', () => {
    expect(labelMatches({ label: 'env', op: '=', value: '' }, {})).toBe(true);
    expect(labelMatches({ label: 'env', op: '!=', value: 'prod' }, {})).toBe(true);
    expect(labelMatches({ label: 'env', op: '=~', value: '.+' }, {})).toBe(false);
  });

  it('needs every matcher to hold', () => {
    const m = [
      { label: 'service', op: '=' as const, value: 'api' },
      { label: 'severity', op: '=~' as const, value: 'P1|P2' },
    ];
    expect(labelsMatch(m, { service: 'api', severity: 'P2' })).toBe(true);
    expect(labelsMatch(m, { service: 'api', severity: 'P3' })).toBe(false);
  });

  it('throws on an invalid pattern', () => {
    expect(() => anchoredRegex('(')).toThrow();
  });
});
