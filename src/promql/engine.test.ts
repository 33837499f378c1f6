import { describe, expect, it } from 'vitest';
import { Engine, MemorySeriesSource, parseExpr, PromQLError } from './index.js';

function source(): MemorySeriesSource {
  const s = new MemorySeriesSource();
  for (let i = 0; i <= 10; i++) {
    s.add({ __name__: 'http_requests_total', job: 'api', code: '200' }, i * 60_000, i * 600);
    s.add({ __name__: 'http_requests_total', job: 'api', code: '500' }, i * 60_000, i * 30);
  }
  return s;
}

describe('PromQL engine', () => {
  it('evaluates an error-ratio alert expression at an instant', () => {
    const v = new Engine(source()).instant(
      'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.04',
      10 * 60_000,
    );
    expect(v.kind).toBe('vector');
    if (v.kind !== 'vector') return;
    expect(v.samples).toHaveLength(1);
    expect(v.samples[0]!.metric).toEqual({});
    expect(v.samples[0]!.value).toBeCloseTo(30 / 630, 10);
  });

  it('a series stops at its staleness marker instead of lingering for the lookback', () => {
    const s = new MemorySeriesSource();
    s.add({ __name__: 'up', job: 'a' }, 0, 1);
    s.add({ __name__: 'up', job: 'a' }, 15_000, 0, true);
    const engine = new Engine(s);
    expect(engine.instant('up', 10_000)).toMatchObject({ kind: 'vector', samples: [{ value: 1 }] });
    expect(engine.instant('up', 20_000)).toEqual({ kind: 'vector', samples: [] });
  });

  it('a range query gives one point per step where the expression had a value', () => {
    const r = new Engine(source()).range('http_requests_total{code="500"}', 0, 10 * 60_000, 5 * 60_000);
    expect(r.series).toHaveLength(1);
    expect(r.series[0]!.points.map((p) => p.v)).toEqual([0, 150, 300]);
  });

  it('reports a parse error with its position, and type errors as Prometheus does', () => {
    expect(() => parseExpr('sum(rate(x[5m])')).toThrow(PromQLError);
    expect(() => parseExpr('rate(x)')).toThrow(/expected type range vector in call to function "rate", got instant vector/);
    expect(() => parseExpr('1 > 2')).toThrow(/comparisons between scalars must use BOOL modifier/);
    expect(() => parseExpr('{}')).toThrow(/at least one non-empty matcher/);
    expect(() => parseExpr('nope(x)')).toThrow(/unknown function with name "nope"/);
    const err = (() => {
      try {
        parseExpr('up{job="a"} +* 2');
      } catch (e) {
        return e as PromQLError;
      }
    })();
    expect(err?.position).toBeGreaterThanOrEqual(12);
  });

  it('refuses many-to-many arithmetic and duplicate label sets, as Prometheus does', () => {
    const engine = new Engine(source());
    expect(() => engine.instant('http_requests_total + on(job) http_requests_total', 60_000)).toThrow(/many-to-many matching not allowed/);
    expect(() => engine.instant('rate(http_requests_total[5m]) or label_replace(rate(http_requests_total[5m]), "x", "", "", "")', 60_000)).not.toThrow();
  });
});
