/**
 * The web UI in a real browser (Debian's Chromium through playwright-core): sign in, watch a check
 * turn red without reloading, open the incident it raised, run a read-only diagnosis step and see
 * its output, acknowledge, resolve. A screenshot of each page goes to test-results/.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPresent, launchChromium, signInOnPage } from '../support/browser.js';
import { REPO_ROOT } from '../support/cli.js';
import { PASSWORD, serveUi, type ServedUi } from './support.js';
import { scaled } from '../support/timing.js';

const present = chromiumPresent('the browser test');
const SHOTS = path.join(REPO_ROOT, 'test-results', 'ui');

let ui: ServedUi;
let stub: http.Server;
let failing = false;
let base: string;
let browser: Browser;
let page: Page;

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

describe.skipIf(!present)('web UI in Chromium', () => {
  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    stub = http.createServer((_req, res) => {
      res.writeHead(failing ? 503 : 200, { 'content-type': 'text/plain' }).end(failing ? 'unavailable' : 'ok');
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    const stubPort = (stub.address() as AddressInfo).port;
    ui = await serveUi('browser', {
      'runbooks/orders.md':
        '# Orders API\n\n## RB-001: Orders API down\n\n**Diagnosis:**\n\n1. Check what the service answers\n\n```bash\necho diagnosis-output-ok\n```\n\n**Resolution:**\n\n2. Restart the worker\n\n```bash\nsystemctl restart orders-worker\n```\n',
      'ops.yaml': `users:
  - name: ana
    role: admin
services:
  - id: orders
    name: Orders API
    shell: { allow: [echo, systemctl] }
checks:
  - kind: http
    id: orders-health
    name: Orders health
    service: orders
    url: http://127.0.0.1:${stubPort}/health
    interval: 1s
    timeout: 500ms
    failure_threshold: 1
    runbook: runbooks/orders.md#RB-001
schedules:
  - id: primary
    time_zone: Europe/Paris
    layers:
      - name: weekly
        users: [ana]
        rotation: { length: 1w, start: "2026-01-05" }
runbooks: [runbooks/*.md]
`,
    }, 'ana');
    base = ui.base;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    await new Promise((resolve) => stub?.close(resolve));
  });

  it('signs in, sees a check turn red live, runs a read-only step on its incident, acknowledges and resolves', async () => {
    await page.goto(`${base}/`);
    expect(page.url()).toContain('/login');
    await shot('login');
    await signInOnPage(page, base, 'ana', PASSWORD);
    const row = page.locator('tr[data-live="check:orders-health"]');
    await expect.poll(() => row.getAttribute('data-state'), { timeout: scaled(15_000) }).toBe('up');
    await page.locator('[data-live-status]').getByText('Live updates: on').waitFor();
    expect(await page.locator('[data-live="servicestate:orders"] .state').textContent()).toBe('Up');
    await shot('overview');

    failing = true; // the page is not reloaded from here on
    await page.locator('tr[data-live="check:orders-health"][data-state="down"]').waitFor({ timeout: scaled(15_000) });
    expect(await page.locator('tr[data-live="check:orders-health"] .state').textContent()).toBe('Down');
    // The service's badge is the worst of its checks': it turns with them, never "Up" beside a red check.
    await expect.poll(() => page.locator('[data-live="servicestate:orders"] .state').textContent(), { timeout: scaled(15_000) }).toBe('Down');
    const incidentLink = page.locator('[data-live="incidents:open"] a').first();
    await incidentLink.waitFor({ timeout: scaled(15_000) });
    await shot('overview-failing');

    await incidentLink.click();
    await page.waitForURL(/\/incidents\/inc/);
    await page.getByRole('heading', { name: /Orders API down/ }).waitFor();
    await shot('incident');

    await page.getByRole('button', { name: 'Run step 1 (read-only)' }).click();
    await page.locator('.transcript .stdout').getByText('diagnosis-output-ok').waitFor();
    await page.getByRole('link', { name: /Run step 2/ }).waitFor(); // the write step asks first
    await shot('incident-step-run');

    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => page.locator('[data-incident-state]').textContent()).toBe('acknowledged');
    failing = false;
    await page.getByRole('button', { name: 'Resolve' }).click();
    await expect.poll(() => page.locator('[data-incident-state]').textContent()).toBe('resolved');
    expect(await page.locator('.timeline').textContent()).toMatch(/acknowledged → resolved[\s\S]*triggered → acknowledged/); // newest first
    await shot('incident-resolved');
  });

  it('renders every other page (screenshots kept)', async () => {
    for (const [name, url] of [
      ['check', '/checks/orders-health'],
      ['oncall', '/oncall'],
      ['runbooks', '/runbooks'],
      ['runbook', '/runbooks/view?file=runbooks%2Forders.md'],
      ['maintenance', '/maintenance'],
      ['incidents', '/incidents'],
      ['status', '/status'],
      ['status-publish', '/status/publish'],
    ] as const) {
      const res = await page.goto(`${base}${url}`);
      expect(res?.status(), url).toBe(200);
      await shot(name);
    }
    await page.goto(`${base}/oncall`);
    expect(await page.locator('[data-oncall="primary"]').textContent()).toBe('ana');
  });
});
