import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../lib/clock.js';
import { runConfig } from '../../testing/index.js';
import { closeHttpAgents } from '../shared/http-request.js';
import { parseExposition } from './exposition.js';
import { checkSchema } from '../../../config/schema/checks.js';
import { SampleStore } from '../../../samples/index.js';
import { Engine } from '../../../promql/index.js';

/** A /metrics endpoint whose counters the test moves between scrapes. */
const state = { lag: 1200, ok: 1000, err: 0, buckets: [0, 0, 0] };
function exposition(): string {
  const [b1, b2, b3] = state.buckets;
  return [
    '# TYPE nxentra_projection_lag gauge',
    `nxentra_projection_lag{company_slug="acme"} ${state.lag / 2}`,
    `nxentra_projection_lag{company_slug="globex"} ${state.lag / 2}`,
    '# TYPE http_requests_total counter',
    `http_requests_total{status="200",path="/api"} ${state.ok}`,
    `http_requests_total{status="503",path="/api"} ${state.err}`,
    '# TYPE http_request_duration_seconds histogram',
    `http_request_duration_seconds_bucket{le="0.1"} ${b1}`,
    `http_request_duration_seconds_bucket{le="0.5"} ${b2}`,
    `http_request_duration_seconds_bucket{le="+Inf"} ${b3}`,
    `http_request_duration_seconds_count ${b3}`,
  ].join('\n');
}

describe('metrics kind', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end(exposition()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });
  afterAll(async () => {
    closeHttpAgents();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('parses label values with escapes', () => {
    const { samples } = parseExposition('m{a="x\\"y",b="1"} 2.5 1700000000\n# HELP m h\nn 3');
    expect(samples).toEqual([{ name: 'm', labels: { a: 'x"y', b: '1' }, value: 2.5 }, { name: 'n', labels: {}, value: 3 }]);
  });

  it('divides two gauges now with gauge_ratio, and has no value without a denominator', async () => {
    const r = await runConfig({ kind: 'metrics', url, gauge_ratio: { of: 'nxentra_projection_lag{company_slug="acme"}', over: 'nxentra_projection_lag' }, warning: '[VALUE] >= 50%' });
    expect(r).toMatchObject({ status: 'up', level: 'warning', value: 0.5 });
    const none = await runConfig({ kind: 'metrics', url, gauge_ratio: { of: 'nxentra_projection_lag', over: 'absent_metric' } });
    expect(none.status).toBe('down');
    expect(none.conditions.at(-1)).toMatchObject({ text: 'has([VALUE]) == true', ok: false });
  });

  it('sums a gauge across selected series', async () => {
    const r = await runConfig({ kind: 'metrics', url, gauge: 'nxentra_projection_lag', critical: '[VALUE] > 1000' });
    expect(r).toMatchObject({ status: 'up', level: 'critical', value: 1200 });
    const one = await runConfig({ kind: 'metrics', url, gauge: 'nxentra_projection_lag{company_slug="acme"}' });
    expect(one.value).toBe(600);
  });

  it('turns counters into a 5xx ratio between scrapes', async () => {
    const clock = new SimulatedClock();
    const check = { kind: 'metrics', url, ratio: { of: 'http_requests_total{status=~"5.."}', over: 'http_requests_total' }, warning: '[VALUE] > 0.5%', critical: '[VALUE] > 1%' };
    const kept = {};
    const first = await runConfig(check, { clock, state: kept });
    expect(first.pending).toMatch(/second scrape/);
    state.ok += 990;
    state.err += 10;
    await clock.advance(15_000);
    const second = await runConfig(check, { clock, state: kept });
    expect(second).toMatchObject({ status: 'up', level: 'warning' });
    expect(second.value).toBeCloseTo(0.01, 12); // irate(of) / irate(over): 10/15 ÷ 1000/15 in floating point
    state.ok += 100;
    state.err += 0;
    await clock.advance(15_000);
    const rate = { kind: 'metrics', url, rate: 'http_requests_total' };
    const rateState = {};
    await runConfig(rate, { clock, state: rateState });
    state.ok += 300;
    await clock.advance(10_000);
    expect((await runConfig(rate, { clock, state: rateState })).value).toBe(30);
  });

  it('computes a quantile from buckets of the observations since the previous scrape', async () => {
    state.buckets = [90, 99, 100];
    const check = { kind: 'metrics', url, quantile: { q: 0.5, histogram: 'http_request_duration_seconds' } };
    const kept = {};
    const r = await runConfig(check, { state: kept });
    expect(r.value).toBeCloseTo(0.1 * (50 / 90), 6);
    state.buckets = [90, 189, 200]; // 100 new observations: 0 ≤ 0.1, 90 in (0.1, 0.5], 10 above
    const p99 = await runConfig({ ...check, quantile: { q: 0.99, histogram: 'http_request_duration_seconds' } }, { state: kept });
    expect(p99.value).toBe(0.5);
  });

  it('evaluates a PromQL query: over the scrapes of this check, pending until a rate has two scrapes', async () => {
    const clock = new SimulatedClock();
    const check = {
      kind: 'metrics',
      url,
      query: 'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))',
      critical: '[VALUE] > 1%',
    };
    const kept = {};
    const first = await runConfig(check, { clock, state: kept });
    expect(first.pending).toMatch(/second scrape/);
    for (let i = 0; i < 4; i++) {
      state.ok += 970;
      state.err += 30;
      await clock.advance(15_000);
      await runConfig(check, { clock, state: kept });
    }
    const r = await runConfig(check, { clock, state: kept });
    expect(r).toMatchObject({ status: 'up', level: 'critical' });
    // 3% of requests failed; rate() extrapolates each series to the window's edges, the 5xx one less (it stops at zero).
    expect(r.value).toBeGreaterThan(0.028);
    expect(r.value).toBeLessThanOrEqual(0.03);
  });

  it('appends to a shared sample store as job <check id>, instance host:port, and reads only its own job', async () => {
    const clock = new SimulatedClock();
    const samples = SampleStore.inMemory(clock);
    samples.append({ __name__: 'nxentra_projection_lag', job: 'elsewhere', company_slug: 'acme' }, clock.now(), 1e9);
    const r = await runConfig({ kind: 'metrics', url, query: 'max(nxentra_projection_lag)' }, { clock, samples });
    expect(r.value).toBe(state.lag / 2);
    const port = new URL(url).port;
    const stored = new Engine(samples.series()).instant('count by (job, instance) (nxentra_projection_lag)', clock.now());
    expect(stored.kind === 'vector' && stored.samples.map((s) => [s.metric, s.value])).toEqual(
      expect.arrayContaining([[{ job: 'under-test', instance: `127.0.0.1:${port}` }, 2]]),
    );
    // The sugar forms read the same store the same way.
    expect((await runConfig({ kind: 'metrics', url, gauge: 'nxentra_projection_lag' }, { clock, samples })).value).toBe(state.lag);
  });

  it('with share_samples: false keeps its scrapes to itself: the shared store (what rule files read) gets none', async () => {
    const clock = new SimulatedClock();
    const samples = SampleStore.inMemory(clock);
    const check = { kind: 'metrics', url, ratio: { of: 'http_requests_total{status=~"5.."}', over: 'http_requests_total' }, share_samples: false };
    const kept = {};
    await runConfig(check, { clock, samples, state: kept });
    await clock.advance(15_000);
    state.ok += 970;
    state.err += 30;
    const r = await runConfig(check, { clock, samples, state: kept });
    expect(r.value).toBeGreaterThan(0.028);
    const stored = new Engine(samples.series()).instant('count(http_requests_total)', clock.now());
    expect(stored.kind === 'vector' && stored.samples).toEqual([]);
  });

  it('refuses a query that is not PromQL, or gives a range vector, at load', () => {
    const bad = checkSchema.safeParse({ id: 'x', kind: 'metrics', url, query: 'rate(x[5m]' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ['query'], message: expect.stringMatching(/^is not valid PromQL/) });
    const range = checkSchema.safeParse({ id: 'x', kind: 'metrics', url, query: 'x[5m]' });
    expect(range.error!.issues[0]!.message).toMatch(/range vector/);
    const two = checkSchema.safeParse({ id: 'x', kind: 'metrics', url, query: 'x', gauge: 'x' });
    expect(two.error!.issues[0]!.message).toMatch(/exactly one of query/);
  });
});
