/**
 * The checks list, the overview's dense list and pending alerts, and the executions list, served
 * in-process over a real SQLite store with results written through insertResults on a simulated
 * clock: a 15-minute outage shows as red bars with their time and error in each tooltip.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentReader } from '../../src/http/ui/data/incidents.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { insertResults, saveAlertSeries, type StoredResult } from '../../src/store/index.js';
import { alert } from '../../src/incidents/test-support.js';
import { signIn, startUi, type SignedIn, type UiHarness } from './support.js';

const START = Date.UTC(2026, 5, 1, 10, 0);
let h: UiHarness;
let viewer: SignedIn;
const clock = new SimulatedClock(START);

/** One result a minute for 90 minutes; minutes 40..54 refused (a 15-minute outage). */
export function outageResults(checkId: string, start: number): StoredResult[] {
  return Array.from({ length: 90 }, (_, i) => {
    const down = i >= 40 && i < 55;
    return { checkId, at: start + i * 60_000, down, level: down ? 2 : 0, latencyMs: down ? 0 : 20 + (i % 7), value: null, error: down ? 'connect ECONNREFUSED 127.0.0.1:9' : null } as StoredResult;
  });
}

beforeAll(async () => {
  h = await startUi({
    clock,
    yaml: `services:
  - { id: orders, name: Orders API }
  - { id: billing, name: Billing }
checks:
  - { kind: tcp, id: orders-port, name: Orders port, service: orders, host: 127.0.0.1, port: 9, interval: 1m }
  - { kind: http, id: billing-web, name: Billing web, service: billing, url: "http://127.0.0.1:9/", interval: 1m, failure_threshold: 3 }
rules:
  - { id: slow-billing, check: billing-web, condition: "latency > 10", for: 5m }
`,
  });
  await insertResults(h.daemon.store.db, outageResults('orders-port', START), START);
  // Ten days earlier, ten failed runs: inside the 30- and 90-day windows, outside the day's.
  const earlier = START - 10 * 86_400_000;
  await insertResults(h.daemon.store.db, Array.from({ length: 10 }, (_, i) => ({ checkId: 'orders-port', at: earlier + i * 60_000, down: true, level: 2, latencyMs: 0, value: null, error: 'connect ECONNREFUSED 127.0.0.1:9' }) as StoredResult), earlier);
  // Billing: up, then its two latest runs failed, one short of its threshold of 3.
  const billing: StoredResult[] = [0, 1, 2, 3].map((i) => ({ checkId: 'billing-web', at: START + 86 * 60_000 + i * 60_000, down: i >= 2, level: i >= 2 ? 2 : 0, latencyMs: 30, value: i >= 2 ? 503 : 200, error: i >= 2 ? '[STATUS] == 200 failed: got 503' : null }));
  await insertResults(h.daemon.store.db, billing, START);
  await clock.advanceTo(START + 42 * 60_000);
  // The check's own alert opens an incident; one declared by hand on the same service is not the check's.
  await incidentReader(h.daemon).onAlert(alert('firing', 'check:orders-port', { service: 'orders', check: 'orders-port' }, clock.now(), { annotations: { summary: 'Orders refusing connections' } }));
  await clock.advanceTo(START + 43 * 60_000);
  await incidentReader(h.daemon).create({ title: 'Orders page has a typo', severity: 'P4', service: 'orders' }, { name: 'admin-user', role: 'admin', via: 'cli' });
  await clock.advanceTo(START + 90 * 60_000);
  viewer = await signIn(h.app, 'viewer-user');
  // The rule's condition has held for 2 of its 5 minutes.
  const activeSince = START + 88 * 60_000;
  const series = { seriesKey: 'slow-billing{}', ruleId: 'slow-billing', labels: {}, state: 'pending', activeSince, firingSince: null, keepFiringUntil: null, lastValue: 30, lastActive: true };
  await saveAlertSeries(h.daemon.store.db, [{ series_key: series.seriesKey, rule_id: series.ruleId, state: 'pending', data: JSON.stringify(series), updated_at: activeSince }]);
});
afterAll(async () => {
  await h?.close();
});

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await h.app.inject({ url, headers: { cookie: viewer.cookie } });
  return { status: res.statusCode, body: res.body };
}

function rowOf(body: string, id: string): string {
  return new RegExp(`<tr data-live="check:${id}"[\\s\\S]*?</tr>`).exec(body)?.[0] ?? '';
}

describe('the checks page', () => {
  it('is in the top navigation with Executions, and answers a page', async () => {
    const { status, body } = await get('/checks');
    expect(status).toBe(200);
    const nav = /<nav aria-label="Main">([\s\S]*?)<\/nav>/.exec(body)?.[1] ?? '';
    expect(nav).toContain('<a href="/checks" aria-current="page">Checks</a>');
    expect(nav).toContain('<a href="/executions">Executions</a>');
    expect(body).toContain('2 of 2 checks shown');
  });

  it('draws the last 90 results, the outage in red with time and error in each tooltip, and 24-hour uptime', async () => {
    const row = rowOf((await get('/checks')).body, 'orders-port');
    expect(row.match(/<rect [^>]*data-state="/g)).toHaveLength(90);
    expect(row.match(/class="bar-major" data-state="down"/g)).toHaveLength(15);
    expect(row).toContain('<title>2026-06-01 10:40:00 UTC · down · 0 ms · connect ECONNREFUSED 127.0.0.1:9</title>');
    expect(row).toContain('<title>2026-06-01 10:39:00 UTC · up · 24 ms</title>');
    expect(row).toMatch(/aria-label="History of Orders port: last 90 results, 15 failed, latest up"/);
    expect(row).toContain('83.33%'); // 75 of 90 up
    expect(row).toMatch(/<td class="num">\d+ ms<\/td>/);
  });

  it('filters by service, state and kind with a plain GET form', async () => {
    const byService = await get('/checks?service=billing');
    expect(rowOf(byService.body, 'billing-web')).not.toBe('');
    expect(rowOf(byService.body, 'orders-port')).toBe('');
    expect(byService.body).toContain('<option selected>billing</option>');
    const down = await get('/checks?state=down');
    expect(rowOf(down.body, 'billing-web')).toContain('<title>2026-06-01 11:29:00 UTC · down · 30 ms · value 503 · [STATUS] == 200 failed: got 503</title>');
    expect(rowOf(down.body, 'orders-port')).toBe('');
    const kind = await get('/checks?kind=tcp');
    expect(rowOf(kind.body, 'orders-port')).not.toBe('');
    expect(rowOf(kind.body, 'billing-web')).toBe('');
    expect((await get('/checks?kind=nope')).body).toContain('No check matches these filters.');
  });
});

describe('the overview', () => {
  it('uses the dense list and shows a check failing below its threshold as pending, with its time to fire', async () => {
    const { status, body } = await get('/');
    expect(status).toBe(200);
    expect(rowOf(body, 'orders-port')).toContain('class="history"');
    const pending = /<h2 id="h-pending">Pending alerts<\/h2>([\s\S]*?)<\/section>/.exec(body)?.[1] ?? '';
    // Last failure at 11:29, one more failed run needed at a 1-minute interval: fires at 11:30, now.
    expect(pending).toContain('<a href="/checks/billing-web">Billing web</a> — fires in 0s');
    expect(pending).toContain('2 of 3 failed runs; 1 more to fire');
    expect(pending).not.toContain('Orders port');
    expect(pending).toContain('<a href="/checks/billing-web">slow-billing</a> — fires in 3m <span class="muted">(condition holding since 11:28:00 UTC, for 300 s)</span>');
  });
});

describe('uptime over a chosen window', () => {
  it('shows the checks list’s uptime over 24 h by default and over 90 d when asked; the check page has every window', async () => {
    const day = (await get('/checks')).body;
    expect(day).toContain('<th scope="col">Uptime 24 h</th>');
    expect(rowOf(day, 'orders-port')).toContain('<td class="num">83.33%</td>');
    const quarter = (await get('/checks?window=90d')).body;
    expect(quarter).toContain('<th scope="col">Uptime 90 d</th>');
    expect(quarter).toContain('<option value="90d" selected>90 days</option>');
    // 75 of 100 runs up: the ten failed runs ten days ago count. Rows over another window are not live (the feed sends 24-hour rows).
    const row = /<tr data-state="[a-z]+">\s*<th scope="row"><a href="\/checks\/orders-port">[\s\S]*?<\/tr>/.exec(quarter)?.[0] ?? '';
    expect(row).toContain('<td class="num">75.00%</td>');
    const page = (await get('/checks/orders-port')).body;
    expect(page).toMatch(/<th scope="row">30 days<\/th><td>75\.000%<\/td><td>100<\/td><td>25<\/td>/);
    expect(page).toMatch(/<th scope="row">90 days<\/th><td>75\.000%<\/td><td>100<\/td><td>25<\/td>/);
  });
});

describe('the check page', () => {
  it('draws the 15-minute outage and the incident on the state chart, not only latency', async () => {
    const { status, body } = await get('/checks/orders-port');
    expect(status).toBe(200);
    expect(body).toContain('<a href="/checks" aria-current="page">Checks</a>');
    const chart = /<svg viewBox="0 0 600 180" role="img" aria-label="State and latency, last 24 hours: ([^"]*)">([\s\S]*?)<\/svg>/.exec(body);
    expect(chart?.[1]).toBe('90 runs, 1 outage totalling 15m, 1 incident; the tables below have the details');
    const band = /<rect x="([\d.]+)" y="14" width="([\d.]+)" height="144" class="outage" data-outage="\d+"><title>Outage 10:40–10:55 UTC \(15m, 15 failed runs\): connect ECONNREFUSED 127.0.0.1:9<\/title>/.exec(chart?.[2] ?? '');
    expect(band).not.toBeNull();
    // A young check's chart spans its own runs: 15 of about 95 minutes, far wider than a sliver.
    expect(Number(band![2])).toBeGreaterThan(50);
    expect(chart?.[2]).toMatch(/<g data-incident="[^"]+"><title>Incident [^ ]+ \(P1\) Orders refusing connections, opened 10:42 UTC, open<\/title>/);
    expect(body).not.toContain('Orders page has a typo');
    expect(body).toMatch(/<caption>Outages, last 24 hours<\/caption>[\s\S]*?<td>15m<\/td><td>15<\/td><td>connect ECONNREFUSED 127.0.0.1:9<\/td>/);
    expect(body).toContain('aria-label="History of Orders port: last 90 results, 15 failed, latest up"');
  });

  it('shows p50/p95/p99 and the last runs with observed values and the condition that failed', async () => {
    const orders = (await get('/checks/orders-port')).body;
    expect(orders).toMatch(/<th scope="row">24 hours<\/th><td>83\.333%<\/td><td>90<\/td><td>15<\/td><td>\d+ ms<\/td><td>\d+ ms<\/td><td>\d+ ms<\/td>/);
    const billing = (await get('/checks/billing-web')).body;
    const runs = /<h2 id="h-runs">Last 4 runs<\/h2>([\s\S]*?)<\/table>/.exec(billing)?.[1] ?? '';
    expect(runs.match(/<tr data-state=/g)).toHaveLength(4);
    expect(runs).toContain('<td class="num">503</td><td><code>[STATUS] == 200 failed: got 503</code></td>');
    expect(runs).toContain('<td class="num">200</td><td></td>');
  });
});

describe('the executions page', () => {
  it('answers a page listing executions, with a state filter', async () => {
    const { status, body } = await get('/executions');
    expect(status).toBe(200);
    expect(body).toContain('<a href="/executions" aria-current="page">Executions</a>');
    expect(body).toContain('No runbook executions yet.');
    expect((await get('/executions?state=failed')).body).toContain('<option selected>failed</option>');
  });
});
