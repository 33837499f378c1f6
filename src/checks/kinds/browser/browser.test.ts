/** browser kind: real page loads in Debian's Chromium against pages served on loopback. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPresent } from '../../../../test/support/browser.js';
import { configLoader } from '../../../../test/support/config.js';
import { freePort } from '../../../../test/support/net.js';
import { startStallServer, type StallServer } from '../../../../test/support/stall.js';
import { SimulatedClock } from '../../../lib/clock.js';
import { runConfig } from '../../testing/index.js';
import { BROWSER_CONCURRENCY, browserSlotsBusy, takeBrowserSlot } from './slots.js';
import { scaled } from '../../../../test/support/timing.js';

const load = configLoader('opsbook-browser');
const present = chromiumPresent('browser kind tests');
// Generous: Chromium starts slowly on a loaded 2-core machine; no assertion depends on speed.
const timeout = '60s';
// A timeout may not be longer than the check's interval.
const interval = timeout;

const PAGES: Record<string, [number, string]> = {
  '/': [200, '<title>Status</title><h1 id="state">All systems operational</h1><script>document.title = "Status · live"</script>'],
  '/degraded': [200, '<title>Status</title><h1 id="state">Partial outage</h1>'],
  '/broken': [200, '<title>App</title><div id="app"></div><script>console.error("chunk failed to load"); undefinedFunction();</script>'],
  '/private': [200, '<title>Dashboard</title><main id="dash">welcome</main>'],
};

// Each test starts Chromium once or twice; on a loaded machine that alone can take many seconds.
describe.skipIf(!present)('browser kind', { timeout: scaled(180_000) }, () => {
  let server: http.Server;
  let base: string;
  let stall: StallServer;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/private' && req.headers.authorization !== 'Bearer ops') {
        res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' }).end('<title>Sign in</title>');
        return;
      }
      // Chromium asks for a favicon; a 404 there would be a console error of its own.
      if (req.url === '/favicon.ico') return void res.writeHead(204).end();
      const page = PAGES[req.url ?? ''];
      res.writeHead(page?.[0] ?? 404, { 'content-type': 'text/html; charset=utf-8' }).end(page?.[1] ?? '<title>Not found</title>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    stall = await startStallServer();
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await stall.close();
  });

  it('loads a page: status, title after scripts, selector, text, load time, no console errors', async () => {
    const r = await runConfig({
      kind: 'browser', url: `${base}/`, selector: '#state', timeout, interval,
      conditions: ['[STATUS] == 200', '[TITLE] == "Status · live"', '[SELECTOR] == true', '[TEXT] == "All systems operational"', '[CONSOLE_ERRORS] == 0', '[LOAD_TIME] >= 0'],
    });
    expect(r.conditions.filter((c) => !c.ok)).toEqual([]);
    expect(r).toMatchObject({ status: 'up', level: 'ok' });
    expect(r.value).toBeGreaterThanOrEqual(0);
  });

  it('fails on a wrong text with the text it saw, and counts console errors and uncaught exceptions', async () => {
    const r = await runConfig({ kind: 'browser', url: `${base}/degraded`, selector: '#state', timeout, interval, conditions: ['[TEXT] == "All systems operational"'] });
    expect(r.status).toBe('down');
    expect(r.conditions[0]).toMatchObject({ ok: false, actual: 'Partial outage' });
    const broken = await runConfig({ kind: 'browser', url: `${base}/broken`, timeout, interval, conditions: ['[CONSOLE_ERRORS] == 0'], critical: 'len([CONSOLE]) > 1' });
    expect(broken).toMatchObject({ status: 'down', level: 'critical' });
    expect(broken.conditions[0]).toMatchObject({ text: '[CONSOLE_ERRORS] == 0', ok: false, actual: '2' });
  });

  it('sends headers, and reports the status of a page that refuses it', async () => {
    const ok = await runConfig({ kind: 'browser', url: `${base}/private`, headers: { Authorization: 'Bearer ops' }, selector: '#dash', timeout, interval });
    expect(ok.status).toBe('up');
    const refused = await runConfig({ kind: 'browser', url: `${base}/private`, selector: '#dash', timeout, interval });
    expect(refused.status).toBe('down');
    expect(refused.conditions.map((c) => [c.text, c.actual])).toEqual([['[STATUS] < 400', '401'], ['[SELECTOR] == true', 'false']]);
  });

  it('is down when nothing listens', async () => {
    const r = await runConfig({ kind: 'browser', url: `http://127.0.0.1:${await freePort()}/`, timeout, interval });
    expect(r.status).toBe('down');
    expect(r.error).toMatch(/ERR_CONNECTION_REFUSED/);
  });

  it('times out on a server that accepts and never answers', async () => {
    // The run's deadline is on its clock: moved once the page's request has reached the server.
    const clock = new SimulatedClock(Date.now());
    const run = runConfig({ kind: 'browser', url: `http://127.0.0.1:${stall.port}/`, timeout, interval }, { clock });
    await expect.poll(() => stall.accepted(), { timeout: scaled(60_000), interval: 50 }).toBeGreaterThan(0);
    await clock.advance(60_000);
    expect(await run).toMatchObject({ status: 'down', error: 'timeout after 1m' });
    // The browser of the timed-out run is closed (its connection with it) and its slot given back.
    await expect.poll(() => stall.open(), { timeout: scaled(30_000), interval: 50 }).toBe(0);
    for (const end = Date.now() + scaled(30_000); browserSlotsBusy() > 0 && Date.now() < end; ) await new Promise((res) => setTimeout(res, 50));
    expect(browserSlotsBusy()).toBe(0);
  });

  it('says so when the browser is missing', async () => {
    const r = await runConfig({ kind: 'browser', url: `${base}/`, executable: '/nonexistent/chromium', timeout, interval });
    expect(r.status).toBe('down');
    expect(r.error).toMatch(/nonexistent\/chromium/);
  });
});

describe('browser slots', () => {
  it(`runs at most ${BROWSER_CONCURRENCY} at once; a run finding none free in time is told so`, async () => {
    const signal = new AbortController().signal;
    const clock = new SimulatedClock();
    const held = await Promise.all(Array.from({ length: BROWSER_CONCURRENCY }, () => takeBrowserSlot(10, signal, clock)));
    expect(browserSlotsBusy()).toBe(BROWSER_CONCURRENCY);
    const refused = takeBrowserSlot(10, signal, clock);
    await clock.advance(10);
    expect(await refused).toBeUndefined();
    const next = takeBrowserSlot(60_000, signal, clock);
    held[0]!();
    const granted = await next;
    expect(granted).toBeTypeOf('function');
    granted!();
    held[1]!();
    expect(browserSlotsBusy()).toBe(0);
  });

  it('reports a run that finds every slot busy as pending, not down', async () => {
    const signal = new AbortController().signal;
    const held = await Promise.all(Array.from({ length: BROWSER_CONCURRENCY }, () => takeBrowserSlot(10, signal, new SimulatedClock())));
    try {
      // Half of the 2s timeout is spent waiting for a slot (on the run's clock, moved once the run
      // waits: its deadline and the slot's wait are set); the page is never loaded.
      const clock = new SimulatedClock();
      const run = runConfig({ kind: 'browser', url: 'http://127.0.0.1:1/', timeout: '2s' }, { clock });
      await expect.poll(() => clock.pendingTimers(), { timeout: scaled(10_000), interval: 10 }).toBe(2);
      await clock.advance(1_000);
      const r = await run;
      expect(r).toMatchObject({ status: 'up', pending: `all ${BROWSER_CONCURRENCY} browser slots busy`, conditions: [] });
    } finally {
      for (const release of held) release!();
    }
  });

  it('rejects bad options with their place in the file', async () => {
    const r = await load('ops.yaml', `checks:
  - id: status-page
    kind: browser
    url: status.example.com
    wait_until: idle
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const seen = r.issues.map((i) => [i.path, i.line]);
    expect(seen).toContainEqual(['checks[0].url', 4]);
    expect(seen).toContainEqual(['checks[0].wait_until', 5]);
  });
});
