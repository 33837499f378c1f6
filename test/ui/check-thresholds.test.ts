/**
 * A check judged by thresholds (warning / critical levels, as a metrics gauge) next to one judged
 * up or down, with real results in the store: the threshold check's figure counts its warning and
 * critical runs against it ("within thresholds"), so a check red in its history bar never reads
 * 100 %; the plain check's uptime is unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { insertResults, type StoredResult } from '../../src/store/index.js';
import { pageAs, signIn, startUi, type SignedIn, type UiHarness } from './support.js';

const START = Date.UTC(2026, 5, 1, 10, 0);
const clock = new SimulatedClock(START);
let h: UiHarness;
let viewer: SignedIn;

/** 40 runs a minute apart: 24 within thresholds, 6 warning, 10 critical (minutes 20..29, up with a value over the critical level). */
function queueResults(): StoredResult[] {
  return Array.from({ length: 40 }, (_, i) => {
    const level = i >= 20 && i < 30 ? 2 : i >= 30 && i < 36 ? 1 : 0;
    return { checkId: 'queue', at: START + i * 60_000, down: false, level, latencyMs: 5, value: level === 2 ? 1500 : level === 1 ? 700 : 10, error: null };
  });
}

beforeAll(async () => {
  h = await startUi({
    clock,
    yaml: `services:
  - { id: demo, name: Demo }
checks:
  - id: queue
    name: Queue depth
    kind: metrics
    service: demo
    url: http://127.0.0.1:9/metrics
    gauge: demo_queue_depth
    interval: 1m
    warning: ["[VALUE] > 500"]
    critical: ["[VALUE] > 1000"]
  - { id: port, name: Port, kind: tcp, service: demo, host: 127.0.0.1, port: 9, interval: 1m }
`,
  });
  await insertResults(h.daemon.store.db, queueResults(), START);
  // The port: 40 runs, 4 of them down.
  await insertResults(h.daemon.store.db, Array.from({ length: 40 }, (_, i) => ({ checkId: 'port', at: START + i * 60_000, down: i < 4, level: i < 4 ? 2 : 0, latencyMs: 3, value: null, error: i < 4 ? 'connect ECONNREFUSED 127.0.0.1:9' : null }) as StoredResult), START);
  await clock.advanceTo(START + 45 * 60_000);
  viewer = await signIn(h.app, 'viewer-user');
});
afterAll(async () => {
  await h?.close();
});

const get = (url: string): Promise<string> => pageAs(h.app, viewer, url);

function cells(row: string): string[] {
  return [...row.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').trim());
}

describe('a check judged by thresholds', () => {
  it('reads "within thresholds" on its page, with its warning and critical runs counted against it', async () => {
    const body = await get('/checks/queue');
    const table = /<table class="uptime">([\s\S]*?)<\/table>/.exec(body)?.[1] ?? '';
    expect(cells(/<thead>([\s\S]*?)<\/thead>/.exec(table)![1]!)).toEqual(['Window', 'Within thresholds', 'Runs', 'Warning', 'Critical', 'Down', 'p50', 'p95', 'p99']);
    const day = cells(/<tr><th scope="row">24 hours<\/th>[\s\S]*?<\/tr>/.exec(table)![0]);
    expect(day.slice(0, 6)).toEqual(['24 hours', '60.000%', '40', '6', '10', '0']);
    expect(body).not.toContain('100.000%');
  });

  it('lists its critical spell beside its incidents, not "no outages"', async () => {
    const body = await get('/checks/queue');
    expect(body).not.toContain('No outages');
    const table = /<caption>Down or critical, last 24 hours<\/caption>([\s\S]*?)<\/table>/.exec(body)?.[1] ?? '';
    const rows = [...table.matchAll(/<tr data-outage[\s\S]*?<\/tr>/g)].map((m) => cells(m[0]));
    expect(rows).toEqual([['2026-06-01 10:20 UTC', '2026-06-01 10:30 UTC', '10m', '10', 'critical: [VALUE] &gt; 1000']]);
  });

  it('names its critical spell on the state chart as down or critical, not an outage', async () => {
    const body = await get('/checks/queue');
    const chart = /<svg viewBox="0 0 600 180" role="img" aria-label="State and latency, last 24 hours: ([^"]*)">([\s\S]*?)<\/svg>\s*<figcaption>([\s\S]*?)<\/figcaption>/.exec(body);
    expect(chart?.[1]).toBe('40 runs, 1 down or critical spell totalling 10m, 0 incidents; the tables below have the details');
    expect(chart?.[2]).toContain('<title>Down or critical 10:20–10:30 UTC (10m, 10 runs)');
    expect(chart?.[3]).toContain('<span class="legend legend-outage">down or critical</span>');
  });

  it('reads its share within thresholds, so labelled, in the check lists', async () => {
    for (const url of ['/', '/checks']) {
      const row = new RegExp('<tr data-live="check:queue"[\\s\\S]*?</tr>').exec(await get(url))?.[0] ?? '';
      expect(row, url).toContain('60.00% <span class="muted">within thresholds</span>');
      expect(row, url).not.toContain('100.00%');
    }
  });

  it('has its figures in the API beside uptime', async () => {
    const res = await h.app.inject({ url: '/api/checks/queue', headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf } });
    expect(res.statusCode).toBe(200);
    expect((res.json() as { windows: Record<string, unknown> }).windows['24h']).toMatchObject({ count: 40, failures: 0, warnings: 6, criticals: 10, uptime: 1, within_thresholds: 0.6 });
  });

  it('leaves the uptime of a check judged up or down as it was', async () => {
    const body = await get('/checks/port');
    const table = /<table class="uptime">([\s\S]*?)<\/table>/.exec(body)?.[1] ?? '';
    expect(cells(/<thead>([\s\S]*?)<\/thead>/.exec(table)![1]!)).toEqual(['Window', 'Uptime', 'Runs', 'Failures', 'p50', 'p95', 'p99']);
    expect(cells(/<tr><th scope="row">24 hours<\/th>[\s\S]*?<\/tr>/.exec(table)![0]).slice(0, 4)).toEqual(['24 hours', '90.000%', '40', '4']);
    const row = new RegExp('<tr data-live="check:port"[\\s\\S]*?</tr>').exec(await get('/checks'))?.[0] ?? '';
    expect(row).toContain('90.00%');
    expect(row).not.toContain('within thresholds');
  });
});
