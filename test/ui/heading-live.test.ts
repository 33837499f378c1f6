/**
 * The incident page's heading follows the incident as the rest of the page does: a title or a
 * severity given by someone else — here a CLI in local mode, another process writing the store —
 * shows in the heading, the browser tab's title and the header's severity without a reload. The
 * title form's field follows too, unless the person has typed into it. In Debian's Chromium; the
 * page after the update audited with axe at 1366 and 390 px, light and dark; shots in
 * test-results/screens/heading-live-*.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUserPassword } from '../../src/http/sessions/index.js';
import type { Actor } from '../../src/identity/index.js';
import { axeProblems, chromiumPresent, fullPageShot, inEachView, launchChromium, newAuditedPage, signInOnPage } from '../support/browser.js';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { scaled } from '../support/timing.js';
import { PASSWORD, serveUi, TEST_COST, type ServedUi } from './support.js';

const present = chromiumPresent('the incident page heading following live updates');
const SHOTS = path.join(REPO_ROOT, 'test-results', 'screens');
const ana: Actor = { name: 'ana', role: 'admin', via: 'cli' };

// What the code evaluated in the page uses of the browser's globals (the project compiles without the DOM lib).
declare const window: { performance: { timeOrigin: number } };

describe.skipIf(!present)('the incident page’s heading, live', () => {
  let ui: ServedUi;
  let browser: Browser;
  let page: Page;
  let id: string;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    ui = await serveUi('heading-live', { 'ops.yaml': 'users:\n  - { name: ana, role: admin }\n  - { name: bob, role: responder }\nservices:\n  - { id: web }\n' }, 'ana');
    const d = ui.daemon;
    await setUserPassword({ store: d.store, clock: d.clock, users: d.config.users }, ana, 'bob', PASSWORD, TEST_COST);
    id = (await d.operations!.createIncident({ title: 'Checkout slow', severity: 'P3', service: 'web' }, ana)).id;
    browser = await launchChromium();
    page = await newAuditedPage(browser, { viewport: { width: 1366, height: 900 } });
    await page.goto(`${ui.base}/`);
    await signInOnPage(page, ui.base, 'bob', PASSWORD);
  }, scaled(120_000));

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
  });

  const cli = async (...args: string[]) => {
    const run = await runCli(['incident', ...args, '--config', path.join(ui.dir, 'ops.yaml'), '--as', 'ana']);
    expect(run.code, run.stderr).toBe(0);
  };

  it('shows a title and a severity given from elsewhere in the heading, the tab and the header, without a reload', async () => {
    await page.goto(`${ui.base}/incidents/${id}`);
    await page.locator('[data-live-status]').getByText('Live updates: on').waitFor();
    const loaded = await page.evaluate(() => window.performance.timeOrigin);
    expect(await page.locator('h1').textContent()).toBe('Checkout slow');
    expect(await page.title()).toBe('Checkout slow · opsbook');

    await cli('title', id, 'Checkout fails for EU cards');
    await cli('severity', id, 'P1');
    await expect.poll(() => page.locator('h1').textContent(), { timeout: scaled(20_000) }).toBe('Checkout fails for EU cards');
    await expect.poll(() => page.title(), { timeout: scaled(20_000) }).toBe('Checkout fails for EU cards · opsbook');
    await expect.poll(() => page.locator('.incident-head .sev').textContent(), { timeout: scaled(20_000) }).toBe('P1');
    // The title form offers the title as it is now, and the action bar the severity.
    await expect.poll(() => page.locator('#incident-title').inputValue(), { timeout: scaled(20_000) }).toBe('Checkout fails for EU cards');
    await expect.poll(() => page.getByLabel('Severity').inputValue(), { timeout: scaled(20_000) }).toBe('P1');
    expect(await page.evaluate(() => window.performance.timeOrigin)).toBe(loaded); // the same document: no reload
    expect(await page.locator('h1').count()).toBe(1);
    await inEachView(page, async (scheme, width) => {
      await fullPageShot(page, path.join(SHOTS, `heading-live-${scheme}-${width}.png`));
      expect(await axeProblems(page), `${scheme} ${width}`).toEqual([]);
    });
  }, scaled(120_000));

  it('keeps a new title being typed in the title form while the heading follows another', async () => {
    await page.goto(`${ui.base}/incidents/${id}`);
    await page.locator('[data-live-status]').getByText('Live updates: on').waitFor();
    await page.locator('#incident-title').fill('Checkout fails for cards');
    // Not sent, and the field no longer focused (the live refresh leaves a focused form alone anyway).
    await page.locator('h1').click();
    await cli('title', id, 'Checkout fails in the EU');
    await expect.poll(() => page.locator('h1').textContent(), { timeout: scaled(20_000) }).toBe('Checkout fails in the EU');
    // The form was refreshed (its note of the title is the new one), what was typed kept.
    await expect.poll(() => page.locator('#incident-title').getAttribute('value'), { timeout: scaled(20_000) }).toBe('Checkout fails in the EU');
    expect(await page.locator('#incident-title').inputValue()).toBe('Checkout fails for cards');
  }, scaled(120_000));
});
