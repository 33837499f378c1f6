/**
 * A provoked outage in Debian's Chromium: a tcp check against a loopback server that is stopped
 * and started again (the daemon's clock simulated, moved a run at a time) shows its failed runs as
 * red bars (tooltip with time and error) on /checks and an outage band on the check's chart. Fifteen minutes of earlier results written with
 * insertResults (a 15-minute outage) show on the same bar and chart. Screenshots of /checks, the
 * check and the overview, light and dark, at 1366 and 390 px, go to test-results/screens/outage-*.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { insertResults, listResults, type StoredResult } from '../../src/store/index.js';
import { chromiumPresent, fullPageShot, inEachView, launchChromium, signInOnPage } from '../support/browser.js';
import { REPO_ROOT } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { scaled } from '../support/timing.js';
import { PASSWORD, serveUi, type ServedUi } from './support.js';

const present = chromiumPresent('the history bar browser test');
const SCREENS = path.join(REPO_ROOT, 'test-results', 'screens');

let ui: ServedUi;
let target: net.Server | undefined;
let port: number;
let browser: Browser;
let page: Page;
// The daemon's time, from the minute the file starts: each check run is a step of it.
const clock = new SimulatedClock(Math.floor(Date.now() / 60_000) * 60_000);

function listen(): Promise<net.Server> {
  const server = net.createServer((socket) => socket.end());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function stop(): Promise<void> {
  const s = target;
  target = undefined;
  if (s) await new Promise((resolve) => s.close(resolve));
}

async function results(): Promise<Awaited<ReturnType<typeof listResults>>> {
  return listResults(ui.daemon.store.db, 'orders-port', { limit: 500 });
}

/**
 * Moves the daemon's clock a second at a time, a run of the check each, letting each run and what
 * follows it finish, until `ok`; gives up after a simulated minute.
 */
async function runUntil(what: string, ok: () => Promise<boolean>): Promise<void> {
  const settle = () => ui.daemon.operations!.settle(scaled(5_000));
  for (let seconds = 0; !(await ok()); seconds++) {
    if (seconds >= 60) throw new Error(`not within a minute of the daemon's clock: ${what}`);
    await clock.advance(1_000, settle);
    await settle();
  }
}

describe.skipIf(!present)('history bar and check chart in Chromium', () => {
  beforeAll(async () => {
    fs.mkdirSync(SCREENS, { recursive: true });
    port = await freePort();
    target = await listen();
    ui = await serveUi('history', {
      'ops.yaml': `users:
  - { name: ana, role: admin }
services:
  - { id: orders, name: Orders API }
checks:
  - { kind: tcp, id: orders-port, name: Orders port, service: orders, host: 127.0.0.1, port: ${port}, interval: 1s, timeout: 500ms, failure_threshold: 2 }
`,
    }, 'ana', { clock });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    await stop();
  });

  it('shows a stopped target as red bars with the error in their tooltip, and as an outage on the check chart', async () => {
    await runUntil('runs that were up', async () => (await results()).filter((r) => !r.down).length >= 3);
    // Fifteen minutes of earlier history, one run a minute, refused from minute 20 to 34.
    const now = clock.now();
    const earlier: StoredResult[] = Array.from({ length: 40 }, (_, i) => {
      const down = i >= 20 && i < 35;
      return { checkId: 'orders-port', at: now - (45 - i) * 60_000, down, level: down ? 2 : 0, latencyMs: down ? 0 : 2, value: null, error: down ? 'connect ECONNREFUSED (earlier outage)' : null };
    });
    await insertResults(ui.daemon.store.db, earlier, now);

    await stop();
    await runUntil('three refused runs after the stop', async () => (await results()).slice(0, 3).every((r) => r.down));
    target = await listen();
    await runUntil('an up run after the restart', async () => (await results())[0]?.down === false);

    await page.goto(`${ui.base}/login`);
    await signInOnPage(page, ui.base, 'ana', PASSWORD);
    const res = await page.goto(`${ui.base}/checks`);
    expect(res?.status()).toBe(200);
    const bar = page.locator('tr[data-live="check:orders-port"] svg.history');
    const down = bar.locator('rect[data-state="down"]');
    expect(await down.count()).toBeGreaterThanOrEqual(15 + 2);
    const tips = await down.locator('title').allTextContents();
    expect(tips.some((t) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · down · \d+ ms · .*ECONNREFUSED/.test(t) && !t.includes('earlier outage'))).toBe(true);
    expect(tips.filter((t) => t.includes('earlier outage'))).toHaveLength(15);
    const box = await down.first().boundingBox();
    expect(box && box.width > 0 && box.height > 0).toBe(true);
    for (const [name, url] of [['outage-checks', '/checks'], ['outage-check', '/checks/orders-port'], ['outage-overview', '/']] as const) {
      await page.goto(`${ui.base}${url}`);
      await inEachView(page, async (scheme, width) => {
        await fullPageShot(page, path.join(SCREENS, `${name}-${scheme}-${width}.png`));
      });
    }

    await page.goto(`${ui.base}/checks/orders-port`);
    const bands = page.locator('svg rect.outage');
    expect(await bands.count()).toBeGreaterThanOrEqual(2);
    const titles = await bands.locator('title').allTextContents();
    expect(titles.some((t) => /^Outage \d\d:\d\d–\d\d:\d\d UTC \(15m, 15 failed runs\): connect ECONNREFUSED \(earlier outage\)$/.test(t))).toBe(true);
    expect(titles.some((t) => /ECONNREFUSED/.test(t) && !t.includes('earlier outage'))).toBe(true);
    const wide = await bands.first().boundingBox();
    expect(wide && wide.width >= 4 && wide.height > 50).toBe(true);
  });
});
