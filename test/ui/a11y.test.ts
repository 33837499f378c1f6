/**
 * An accessibility audit of every web UI page in Debian's Chromium: axe-core (WCAG 2.1 A/AA and
 * best practices) injected into each page, failing on any violation of impact serious or critical;
 * and the keyboard: a skip link first, every control reachable with Tab and showing where focus is.
 * A screenshot of each audited page goes to test-results/ui/. And the width: every page, with long
 * titles, ids, URLs and command output in it, fits a 390 px phone screen (and 1366 px), light and dark,
 * without scrolling sideways; shots of each 390 px view go to test-results/screens/narrow-*.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActionToken, loadActionKey } from '../../src/notify/index.js';
import { axeProblems, chromiumPresent, fullPageShot, inEachView, launchChromium, newAuditedPage, pageOverflow, signInOnPage } from '../support/browser.js';
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

// What a responder meets on a phone: ids, URLs and command output with no place to break a line.
const LONG_CHECK = 'orders-eu-west-1.nightly_backup.postgresql_dump.file_present';
const UPSTREAM = 'upstream=https://orders-backend-7f9c2d.eu-west-1.internal.example.com:8443/api/v2/orders/health/deep/trace/4bf92f3577b34da6a3ce929d0e0e4736';
const LONG_TITLE = 'Orders API answers 502 on https://orders.eu-west-1.internal.example.com/api/v2/orders/checkout-sessions/confirm since the 02:10 deploy';

let ui: ServedUi;
let base: string;
let browser: Browser;
let page: Page;

/** Serious and critical violations on the page now, one line per element. */
const audit = (): Promise<string[]> => axeProblems(page);

describe.skipIf(!present)('accessibility of the web UI', () => {
  let incidentId: string;
  let executionPath: string;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    ui = await serveUi('a11y', {
      'runbooks/orders.md':
        '# Orders API\n\n## RB-001: Orders API down\n\n**Diagnosis:**\n\n1. Check what the service answers\n\n```bash\necho diagnosis-output-ok\n```\n\n**Resolution:**\n\n2. Restart the worker\n\n```bash\nsystemctl restart orders-worker\n```\n\n- [ ] Tell support\n' +
        `\n## RB-002: Orders API answers 502 behind the load balancer\n\n**Diagnosis:**\n\n1. Ask the upstream what it answers\n\n\`\`\`bash\necho ${UPSTREAM}\n\`\`\`\n`,
      'ops.yaml': `users:
  - { name: ana, role: admin }
  - { name: anastasia.konstantinopoulou, role: responder }
services:
  - { id: orders, name: Orders API, shell: { allow: [echo, systemctl] } }
checks:
  - { kind: tcp, id: orders-port, name: Orders port, service: orders, host: 127.0.0.1, port: 9, interval: 1s, timeout: 500ms, failure_threshold: 1, runbook: "runbooks/orders.md#RB-001" }
  - { kind: file, id: ${LONG_CHECK}, service: orders, path: /etc/os-release, interval: 1s }
schedules:
  - id: primary
    time_zone: Europe/Paris
    layers:
      - { name: weekly, users: [ana, anastasia.konstantinopoulou], rotation: { length: 1w, start: "2026-01-05" } }
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
    // The execution of the step run above, on its own page, opened from its row.
    await page.locator('#main table tbody th a').first().click();
    await page.waitForURL(/\/executions\/exe_/);
    executionPath = new URL(page.url()).pathname;
    await check('execution');
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
    const pages: Array<[string, string]> = [['overview', '/'], ['incident', `/incidents/${encodeURIComponent(incidentId)}`], ['checks', '/checks'], ['check', '/checks/orders-port'], ['executions', '/executions'], ['maintenance', '/maintenance'], ['report', '/report'], ['status', '/status'], ['status-publish', '/status/publish'], ['execution', executionPath]];
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
  }, scaled(180_000)); // 10 pages loaded, 40 views shot, 20 audited: the bound grows with the load too

  it('reaches every control with the keyboard, skip link first, focus always visible', async () => {
    for (const url of ['/', '/checks', `/incidents/${encodeURIComponent(incidentId)}`, executionPath, '/maintenance', '/report']) {
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

  it('fits every page on a 390 px phone screen, light and dark, with long titles, ids, URLs and output (and at 1366 px)', async () => {
    const screens = path.join(REPO_ROOT, 'test-results', 'screens');
    fs.mkdirSync(screens, { recursive: true });
    const wider: Record<string, string> = {};
    /** The document in `p` now (or `url` loaded), in each scheme at each width: shot, and measured against the window. */
    const fits = async (name: string, url?: string, status = 200, p = page) => {
      if (url) {
        const res = await p.goto(`${base}${url}`);
        expect(res?.status(), url).toBe(status);
      }
      // Without it a phone lays the page out 980 px wide and shrinks it: nothing scrolls sideways, nothing is readable.
      expect(await p.locator('meta[name="viewport"]').getAttribute('content'), `${name}: viewport`).toBe('width=device-width, initial-scale=1');
      await inEachView(p, async (scheme, width) => {
        // Shots at the phone's width, the one this test is about (the other tests shoot 1366 px).
        if (width < 1366) await fullPageShot(p, path.join(screens, `narrow-${name}-${scheme}-${width}.png`));
        const over = await pageOverflow(p);
        if (over) wider[`${name} ${scheme} ${width}px`] = `${over.scrollWidth} px wide in a ${over.innerWidth} px window; widest: ${over.widest}`;
      });
    };

    // Signed out: the sign-in page, in a context of its own.
    const outside = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await fits('login', '/login', 200, outside);
    await outside.close();

    // An incident declared by hand with a long title, a note, a step run whose output is one long
    // word, resolved, and its review published.
    await fits('declare', '/incidents/new');
    await page.getByLabel('Title').fill(LONG_TITLE);
    await page.getByLabel('Severity').selectOption({ index: 1 });
    await page.getByLabel('Service').selectOption('orders');
    await page.getByLabel('Runbook').selectOption('runbooks/orders.md#RB-002');
    await page.getByLabel('What is happening').fill(`Checkout fails for every customer; the load balancer logs ${UPSTREAM} as the failing upstream.`);
    await page.getByRole('button', { name: 'Declare incident' }).click();
    await page.waitForURL(/\/incidents\/inc/);
    const longId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
    await page.getByLabel(/Note for the timeline/).fill(`rolled back the deploy; watching ${UPSTREAM}`);
    await page.getByRole('button', { name: 'Add note' }).click();
    await expect.poll(() => page.locator('.timeline').textContent()).toMatch(/rolled back the deploy/);
    await page.getByRole('button', { name: 'Run step 1 (read-only)' }).click();
    await page.locator('.transcript .stdout').getByText(UPSTREAM).waitFor();
    await fits('incident-long');
    await page.getByRole('button', { name: /^Resolve/ }).click();
    await expect.poll(() => page.locator('[data-incident-state]').textContent(), { timeout: scaled(20_000) }).toBe('resolved');
    await fits('incident-long-resolved');
    await page.goto(`${base}/incidents/${encodeURIComponent(longId)}/review`);
    const draft = await page.getByLabel('Review (markdown)').inputValue();
    await page.getByLabel('Review (markdown)').fill(`${draft}\n\nThe failing upstream: ${UPSTREAM}\n`);
    await page.getByRole('button', { name: 'Save and publish' }).click();
    await page.waitForURL(/version=1/);
    await fits('review-published');
    await fits('review-draft', `/incidents/${encodeURIComponent(longId)}/review?draft=1`);

    // The incident the failing check opened (still open), and the confirmation before its write step.
    await fits('incident', `/incidents/${encodeURIComponent(incidentId)}`);
    const confirm = await page.getByRole('link', { name: /Run step 2/ }).getAttribute('href');
    await fits('incident-run-confirm', confirm!);

    await page.goto(`${base}/tokens`);
    await page.getByLabel('Name').fill('grafana-dashboards.eu-west-1.readonly');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.locator('#new-token').waitFor();
    await fits('tokens-created');

    await fits('overview', '/');
    await fits('incidents', '/incidents');
    await fits('checks', '/checks');
    await fits('checks-filtered', '/checks?service=orders&state=down&kind=tcp');
    await fits('check', '/checks/orders-port');
    await fits('check-long-id', `/checks/${LONG_CHECK}`);
    await fits('executions', '/executions');
    // The long-output execution declared above, on its own page: the upstream URL is one long word.
    await page.locator('#main table tbody th a').first().click();
    await page.waitForURL(/\/executions\/exe_/);
    await fits('execution');
    await fits('oncall', '/oncall');
    await fits('runbooks', '/runbooks');
    await fits('runbook', '/runbooks/view?file=runbooks%2Forders.md');
    await fits('maintenance', '/maintenance');
    await fits('report', '/report');
    await fits('report-7d', '/report?period=7d');
    await fits('tokens', '/tokens');
    await fits('status-publish', '/status/publish');
    await fits('status', '/status');
    await fits('not-found', `/checks/${LONG_CHECK}.missing`, 404);
    const link = createActionToken({ incidentId, action: 'resolve', expiresAt: Date.now() + 3_600_000, user: 'ana' }, await loadActionKey(ui.daemon.store.db, ui.daemon.clock));
    await fits('action-link', `/a/${link}`);
    // The page the link's button leads to, read on the same phone.
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByText('The incident is now').waitFor();
    await fits('action-link-done');

    expect(wider).toEqual({});
  }, scaled(300_000)); // about 30 pages, each shot and measured four times: the bound grows with the load
});
