/**
 * Covering a shift from the On call page in Debian's Chromium: an admin fills in the "Cover a shift"
 * form, and the override shows in the two-week calendar and in the overrides table; `oncall now`
 * over the API names the person covering; deleting it from the page puts the rotation back. The
 * axe audit stays clean. Screenshots, light and dark at 1366 and 390 px, go to
 * test-results/screens/oncall-override-*.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Temporal } from 'temporal-polyfill';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { whoIsOnCall } from '../../src/oncall/index.js';
import { axeProblems, chromiumPresent, launchChromium, signInOnPage } from '../support/browser.js';
import { REPO_ROOT } from '../support/cli.js';
import { apiTokens } from '../support/daemon-app.js';
import { PASSWORD, serveUi, type ServedUi } from './support.js';

const present = chromiumPresent('the on-call override browser test');
const SCREENS = path.join(REPO_ROOT, 'test-results', 'screens');

let ui: ServedUi;
let browser: Browser;
let page: Page;

describe.skipIf(!present)('covering a shift from the On call page', () => {
  beforeAll(async () => {
    fs.mkdirSync(SCREENS, { recursive: true });
    ui = await serveUi('oncall-ui', {
      'ops.yaml': `users:
  - { name: ana, role: admin }
  - { name: ben, role: responder }
  - { name: cy, role: responder }
schedules:
  - id: primary
    name: Primary
    time_zone: Europe/Berlin
    layers:
      - { name: Daily, users: [ana, ben], rotation: { length: 1d, handoff: "09:00", start: "2026-01-05" } }
`,
    }, 'ana');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 }, bypassCSP: true });
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
  });

  it('creates an override from the form and shows it on the calendar', async () => {
    // Tomorrow 10:00–14:00 Berlin time, over whoever the rotation has on call then.
    const day = Temporal.Now.plainDateISO('Europe/Berlin').add({ days: 1 }).toString();
    const from = Temporal.ZonedDateTime.from(`${day}T10:00[Europe/Berlin]`).epochMilliseconds;
    const covered = whoIsOnCall(ui.daemon.config.schedules[0]!, from)!.user;

    await page.goto(`${ui.base}/login`);
    await signInOnPage(page, ui.base, 'ana', PASSWORD);
    expect((await page.goto(`${ui.base}/oncall`))?.status()).toBe(200);
    await page.getByText('Cover a shift').click();
    const form = page.locator('form[action="/oncall/overrides"]');
    await form.getByLabel('Who covers').selectOption('cy');
    await form.getByLabel('Whose shift').selectOption(covered);
    await form.getByLabel('From (Europe/Berlin)').fill(`${day}T10:00`);
    await form.getByLabel('Until (Europe/Berlin)').fill(`${day}T14:00`);
    await form.getByLabel('Reason').fill('dentist');
    await form.getByRole('button', { name: 'Create override' }).click();
    await page.waitForURL(/\/oncall#sched-primary$/);

    const row = page.locator(`tr[data-day="${day}"]`);
    await expect.poll(() => row.textContent()).toContain('10:00–14:00 cy (override)');
    expect(await row.locator('.override').count()).toBe(1);
    expect(await page.locator('table[data-overrides="primary"] tbody tr').first().textContent()).toMatch(new RegExp(`cy\\s*${covered}.*dentist`, 's'));

    const token = (await apiTokens(ui.daemon, 'ana', ['ana'])).ana!;
    const now = await fetch(`${ui.base}/api/oncall/now?schedule=primary&at=${from + 3_600_000}`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await now.json()) as { schedules: Array<{ on_call: { user: string } }> }).schedules[0]!.on_call.user).toBe('cy');

    expect(await axeProblems(page)).toEqual([]);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const width of [1366, 390]) {
        await page.setViewportSize({ width, height: 900 });
        await page.goto(`${ui.base}/oncall`);
        await page.locator(`tr[data-day="${day}"]`).scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(SCREENS, `oncall-override-${scheme}-${width}.png`), fullPage: true });
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1366, height: 900 });

    await page.goto(`${ui.base}/oncall`);
    await page.getByRole('button', { name: /^Delete override/ }).click();
    await page.waitForURL(/\/oncall#sched-primary$/);
    expect(await page.locator(`tr[data-day="${day}"]`).textContent()).not.toContain('cy');
  });
});
