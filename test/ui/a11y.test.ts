/**
 * An accessibility audit of every web UI page in Debian's Chromium: axe-core (WCAG 2.1 A/AA and
 * best practices) injected into each page, failing on any violation of impact serious or critical;
 * and the keyboard: a skip link first, every control reachable with Tab and showing where focus is.
 * A screenshot of each audited page goes to test-results/ui/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActionToken, loadActionKey } from '../../src/notify/index.js';
import { axeProblems, chromiumPresent, fullPageShot, inEachView, launchChromium, newAuditedPage, signInOnPage } from '../support/browser.js';
import { REPO_ROOT } from '../support/cli.js';
import { PASSWORD, serveUi, type ServedUi } from './support.js';
import { scaled } from '../support/timing.js';

const present = chromiumPresent('the accessibility audit');

const SHOTS = path.join(REPO_ROOT, 'test-results', 'ui');

// What the code evaluated in the page uses of the browser's globals (the project compiles without the DOM lib).
interface PageElement {
  textContent: string | null;
  tagName: string;
  id: string;
  getAttribute(name: string): string | null;
}
declare const document: { activeElement: PageElement | null; body: PageElement; querySelectorAll(selector: string): { length: number } };
declare function getComputedStyle(el: PageElement): { outlineStyle: string; outlineWidth: string; boxShadow: string };

let ui: ServedUi;
let base: string;
let browser: Browser;
let page: Page;

/** Serious and critical violations on the page now, one line per element. */
const audit = (): Promise<string[]> => axeProblems(page);

describe.skipIf(!present)('accessibility of the web UI', () => {
  let incidentId: string;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    ui = await serveUi('a11y', {
      'runbooks/orders.md':
        '# Orders API\n\n## RB-001: Orders API down\n\n**Diagnosis:**\n\n1. Check what the service answers\n\n```bash\necho diagnosis-output-ok\n```\n\n**Resolution:**\n\n2. Restart the worker\n\n```bash\nsystemctl restart orders-worker\n```\n\n- [ ] Tell support\n',
      'ops.yaml': `users:
  - { name: ana, role: admin }
services:
  - { id: orders, name: Orders API, shell: { allow: [echo, systemctl] } }
checks:
  - { kind: tcp, id: orders-port, name: Orders port, service: orders, host: 127.0.0.1, port: 9, interval: 1s, timeout: 500ms, failure_threshold: 1, runbook: "runbooks/orders.md#RB-001" }
schedules:
  - id: primary
    time_zone: Europe/Paris
    layers:
      - { name: weekly, users: [ana], rotation: { length: 1w, start: "2026-01-05" } }
maintenance:
  - { id: nightly, cron: "0 2 * * *", duration: 1h, time_zone: UTC, services: [orders], comment: backups }
slos:
  - { id: orders-available, kind: availability, checks: [orders-port], objective: 99.9%, window: 7d }
runbooks: [runbooks/*.md]
`,
    }, 'ana');
    base = ui.base;
    browser = await launchChromium();
    page = await newAuditedPage(browser, { viewport: { width: 1200, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
  });

  it('finds no serious or critical violation on any page', async () => {
    const found: Record<string, string[]> = {};
    const check = async (name: string, url?: string, status = 200) => {
      if (url) {
        const res = await page.goto(`${base}${url}`);
        expect(res?.status(), url).toBe(status);
      }
      await fullPageShot(page, path.join(SHOTS, `a11y-${name}.png`));
      const problems = await audit();
      if (problems.length) found[name] = problems;
    };

    await check('login', '/login');
    await signInOnPage(page, base, 'ana', PASSWORD);
    await page.locator('[data-live="incidents:open"] a').first().waitFor({ timeout: scaled(20_000) });
    await check('overview');

    await page.locator('[data-live="incidents:open"] a').first().click();
    await page.waitForURL(/\/incidents\/inc/);
    incidentId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
    await page.getByRole('button', { name: 'Run step 1 (read-only)' }).click();
    await page.locator('.transcript .stdout').getByText('diagnosis-output-ok').waitFor();
    await check('incident');
    await page.getByRole('link', { name: /Run step 2/ }).click();
    await page.waitForURL(/\/run\?/);
    await check('incident-run-confirm');

    await check('incidents', '/incidents');
    await check('checks', '/checks');
    await check('checks-filtered', '/checks?service=orders&state=down&kind=tcp');
    await check('check', '/checks/orders-port');
    await check('executions', '/executions');
    await check('oncall', '/oncall');
    await check('runbooks', '/runbooks');
    await check('runbook', '/runbooks/view?file=runbooks%2Forders.md');
    await check('maintenance', '/maintenance');
    await check('report', '/report');
    await check('not-found', '/checks/no-such-check', 404);
    await check('status', '/status');
    await check('status-publish', '/status/publish');
    const link = createActionToken({ incidentId, action: 'resolve', expiresAt: Date.now() + 3_600_000, user: 'ana' }, await loadActionKey(ui.daemon.store.db, ui.daemon.clock));
    await check('action-link', `/a/${link}`);

    expect(found).toEqual({});
    // About 20 pages loaded, shot and audited: 20 s on a quiet machine, over 3 min at load 30; the bound grows with the load.
  }, scaled(180_000));

  it('in dark mode (the system setting) finds no serious or critical violation either, at 1366 and 390 px', async () => {
    const screens = path.join(REPO_ROOT, 'test-results', 'screens');
    fs.mkdirSync(screens, { recursive: true });
    const found: Record<string, string[]> = {};
    const pages = [['overview', '/'], ['incident', `/incidents/${encodeURIComponent(incidentId)}`], ['checks', '/checks'], ['check', '/checks/orders-port'], ['executions', '/executions'], ['maintenance', '/maintenance'], ['report', '/report'], ['status', '/status'], ['status-publish', '/status/publish']] as const;
    for (const [name, url] of pages) {
      const res = await page.goto(`${base}${url}`);
      expect(res?.status(), url).toBe(200);
      await inEachView(page, async (scheme, width) => {
        expect(await page.evaluate(() => (globalThis as unknown as { matchMedia(q: string): { matches: boolean } }).matchMedia('(prefers-color-scheme: dark)').matches)).toBe(scheme === 'dark');
        // a11y- before the name: the cockpit and status page tests shoot pages of the same names.
        await fullPageShot(page, path.join(screens, `a11y-${name}-${scheme}-${width}.png`));
        if (scheme === 'dark') {
          const problems = await audit();
          if (problems.length) found[`${name} ${width}px`] = problems;
        }
      });
    }
    expect(found).toEqual({});
  }, scaled(180_000)); // 9 pages loaded, 36 views shot, 18 audited: the bound grows with the load too

  it('reaches every control with the keyboard, skip link first, focus always visible', async () => {
    for (const url of ['/', '/checks', `/incidents/${encodeURIComponent(incidentId)}`, '/maintenance', '/report']) {
      await page.goto(`${base}${url}`);
      await page.keyboard.press('Tab');
      const first = await page.evaluate(() => ({ text: document.activeElement?.textContent?.trim(), href: document.activeElement?.getAttribute('href') }));
      expect(first, url).toEqual({ text: 'Skip to content', href: '#main' });
      const controls = await page.evaluate(() => document.querySelectorAll('a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, summary').length);
      const seen = new Set<string>();
      const unseen: string[] = [];
      for (let i = 0; i < controls + 5; i++) {
        const focus = await page.evaluate(() => {
          const el = document.activeElement;
          if (!el || el === document.body) return undefined;
          const style = getComputedStyle(el);
          const shown = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
          const path = [el.tagName, el.id, el.getAttribute('name'), el.getAttribute('href'), el.textContent?.trim().slice(0, 40)].join('|');
          return { path, shown };
        });
        if (focus) {
          seen.add(focus.path);
          if (!focus.shown) unseen.push(focus.path);
        }
        await page.keyboard.press('Tab');
      }
      expect(unseen, `${url}: focus not visible on`).toEqual([]);
      expect(seen.size, `${url}: controls reached with Tab`).toBeGreaterThanOrEqual(controls);
    }
  }, scaled(180_000));
});
