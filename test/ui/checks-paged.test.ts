/**
 * /checks with many checks: a page of CHECKS_PAGE_ROWS rows at a time (each row's history bar is
 * about 16 KB of HTML: every one of 2,000 checks on one page was 30 MB), links to the pages around
 * it that keep the filters, the state filter applied to every check before the page is cut, and a
 * page number that is not one answered with the first or the last page, never an error. The
 * overview's service cards show their first OVERVIEW_SERVICE_ROWS checks, those not up first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKS_PAGE_ROWS } from '../../src/http/ui/pages/checks.js';
import { OVERVIEW_SERVICE_ROWS } from '../../src/http/ui/pages/overview.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { insertResults, type StoredResult } from '../../src/store/index.js';
import { signIn, startUi, type SignedIn, type UiHarness } from './support.js';

const START = Date.UTC(2026, 5, 1, 10, 0);
const CHECKS = 250;
// Every third check's latest run failed.
const isDown = (i: number) => i % 3 === 0;
const id = (i: number) => `c${String(i).padStart(3, '0')}`;

let h: UiHarness;
let viewer: SignedIn;

beforeAll(async () => {
  const clock = new SimulatedClock(START);
  const checks = Array.from({ length: CHECKS }, (_, i) => `  - { kind: tcp, id: ${id(i)}, service: ${i % 2 ? 'orders' : 'billing'}, host: 127.0.0.1, port: 9, interval: 1m }`).join('\n');
  h = await startUi({ clock, yaml: `services:\n  - { id: orders, name: Orders }\n  - { id: billing, name: Billing }\nchecks:\n${checks}\n` });
  const results: StoredResult[] = Array.from({ length: CHECKS }, (_, i) => ({ checkId: id(i), at: START, down: isDown(i), level: isDown(i) ? 2 : 0, latencyMs: 5, value: null, error: isDown(i) ? 'connect ECONNREFUSED 127.0.0.1:9' : null }));
  await insertResults(h.daemon.store.db, results, START);
  await clock.advanceTo(START + 60_000);
  viewer = await signIn(h.app, 'viewer-user');
});
afterAll(async () => {
  await h?.close();
});

async function get(url: string): Promise<{ status: number; body: string; ids: string[] }> {
  const res = await h.app.inject({ url, headers: { cookie: viewer.cookie } });
  return { status: res.statusCode, body: res.body, ids: [...res.body.matchAll(/<th scope="row"><a href="\/checks\/([^"]+)">/g)].map((m) => m[1]!) };
}

const links = (body: string) => /<nav class="pages" aria-label="Pages of checks">([\s\S]*?)<\/nav>/.exec(body)?.[1] ?? '';

describe('the checks page with many checks', () => {
  it('shows them a page at a time, in their order, with links to the pages around', async () => {
    expect(CHECKS_PAGE_ROWS).toBe(100);
    const first = await get('/checks');
    expect(first.status).toBe(200);
    expect(first.ids).toEqual(Array.from({ length: 100 }, (_, i) => id(i)));
    expect(first.body).toContain('1–100 of the 250 checks that match (250 in all)');
    expect(links(first.body)).toContain('<a href="/checks?page=2" rel="next">Next page</a>');
    expect(links(first.body)).toContain('page 1 of 3');
    expect(links(first.body)).not.toContain('rel="prev"');
    const last = await get('/checks?page=3');
    expect(last.ids).toEqual(Array.from({ length: 50 }, (_, i) => id(200 + i)));
    expect(last.body).toContain('201–250 of the 250 checks that match (250 in all)');
    expect(links(last.body)).toContain('<a href="/checks?page=2" rel="prev">Previous page</a>');
    expect(links(last.body)).not.toContain('rel="next"');
  });

  it('filters every check before cutting the page, and keeps the filters in its links', async () => {
    const down = await get('/checks?state=down');
    const expected = Array.from({ length: CHECKS }, (_, i) => i).filter(isDown).map(id);
    expect(expected).toHaveLength(84);
    expect(down.ids).toEqual(expected);
    expect(down.body).toContain('84 of 250 checks shown');
    expect(links(down.body)).toBe('');
    const orders = await get('/checks?service=orders&window=7d&page=2');
    expect(orders.ids).toEqual(Array.from({ length: 25 }, (_, i) => id(2 * (100 + i) + 1)));
    expect(links(orders.body)).toContain('<a href="/checks?service=orders&amp;window=7d&amp;page=1" rel="prev">Previous page</a>');
  });

  it('answers a page number that is not one with the first page, and one past the end with the last', async () => {
    for (const bad of ['abc', '-2', '0', '1.5', '99999999999999999999']) {
      const r = await get(`/checks?page=${encodeURIComponent(bad)}`);
      expect(r.status, bad).toBe(200);
      expect(r.ids[0], bad).toBe(id(0));
    }
    const past = await get('/checks?page=40');
    expect(past.status).toBe(200);
    expect(past.ids[0]).toBe(id(200));
  });
});

describe('the overview with many checks', () => {
  it("shows each service's first 20 checks not up, says how many it left out and links them all", async () => {
    expect(OVERVIEW_SERVICE_ROWS).toBe(20);
    const { status, body } = await get('/');
    expect(status).toBe(200);
    const card = (service: string) => new RegExp(`<section class="card service" aria-labelledby="svc-${service}">[\\s\\S]*?</section>`).exec(body)?.[0] ?? '';
    const billing = card('billing');
    const shown = [...billing.matchAll(/<th scope="row"><a href="\/checks\/([^"]+)">/g)].map((m) => m[1]!);
    // Billing holds the even checks; every sixth check is down: 42 of its 125, the first 20 shown, in order.
    expect(shown).toEqual(Array.from({ length: 20 }, (_, i) => id(6 * i)));
    expect(billing).toContain('20 of 125 checks shown, those not up first; <a href="/checks?service=billing">all 125</a>.');
    // The badge is the worst of every check of the service, shown or not.
    expect(billing).toContain('<span data-live="servicestate:billing"><span class="state state-down" data-state="down">');
  });
});

