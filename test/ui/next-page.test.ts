/**
 * Who is paged next and when, on the incident page and in `opsbook incident show`: while nobody has
 * acknowledged, the escalation's next step (its people, a schedule's person on call then, its
 * channels) and the instant it goes out; gone once someone acknowledges. Looked at in Debian's
 * Chromium at 1366 and 390 px, light and dark, each view audited.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeProblems, chromiumPresent, fullPageShot, inEachView, launchChromium, newAuditedPage, signInOnPage } from '../support/browser.js';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { scaled } from '../support/timing.js';
import { startReceiver, type Receiver } from '../../src/notify/test-support.js';
import { PASSWORD, serveUi, type ServedUi } from './support.js';

const present = chromiumPresent('the next-page browser test');
const SHOTS = path.join(REPO_ROOT, 'test-results', 'screens');

describe.skipIf(!present)('the next page of an unanswered incident', () => {
  let ui: ServedUi;
  let browser: Browser;
  let receiver: Receiver;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    receiver = await startReceiver(() => ({ status: 200 }));
    ui = await serveUi('next-page', {
      'ops.yaml': `users:
  - { name: ana, role: admin }
  - { name: bo, role: responder, contact: [{ kind: webhook, address: "${receiver.url}/bo" }] }
services:
  - { id: orders, name: Orders API }
channels:
  - { id: hook-first, kind: webhook, url: "${receiver.url}/first", secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw] }
  - { id: hook-second, kind: webhook, url: "${receiver.url}/second", secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw] }
schedules:
  - id: primary
    time_zone: UTC
    layers:
      - { name: Weekly, users: [bo], rotation: { length: 1w, handoff: "09:00", start: 2020-01-06 } }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ channel: hook-first }], timeout: 10m }
      - { targets: [{ schedule: primary }, { channel: hook-second }], timeout: 30m }
`,
    }, 'ana');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    await receiver?.close();
  });

  it('names the next step’s people and channels and when it pages, until someone acknowledges', async () => {
    const config = path.join(ui.dir, 'ops.yaml');
    const declared = await runCli(['incident', 'declare', 'Orders API down', '--severity', 'P1', '--service', 'orders', '--config', config, '--as', 'ana']);
    expect(declared.code, declared.stderr).toBe(0);
    const id = declared.stdout.split(' ')[0]!;
    // Step 1's 10 minutes count from its page (the escalation's start), sooner than P1's 15-minute response target.
    const escalation = await ui.daemon.store.db.selectFrom('escalations').select(['state']).where('incident_id', '=', id).executeTakeFirstOrThrow();
    const { stepStartedAt } = JSON.parse(escalation.state) as { stepStartedAt: number };
    const due = stepStartedAt + 10 * 60_000;

    // The terminal says it first: who, which step, when.
    const shown = await runCli(['incident', 'show', id, '--config', config]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`next page: bo (on call in primary), channel hook-second (step 2) at ${new Date(due).toISOString()} unless acknowledged`);

    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(`${ui.base}/`);
    await signInOnPage(page, ui.base, 'ana', PASSWORD);
    await page.goto(`${ui.base}/incidents/${id}`);
    const next = page.locator('.incident-head .next-page');
    expect(await next.textContent()).toMatch(/^Next page: bo \(on call in primary\), channel hook-second \(step 2\) at \d{4}-\d\d-\d\d \d\d:\d\d UTC, in \d+m( \d+s)?, unless acknowledged$/);
    expect(await next.locator('time').getAttribute('datetime')).toBe(new Date(due).toISOString());
    expect(Number(await next.locator('[data-until]').getAttribute('data-until'))).toBe(due);

    const shots = await newAuditedPage(browser, { viewport: { width: 1366, height: 900 } });
    await shots.context().addCookies(await page.context().cookies());
    await shots.goto(page.url());
    await inEachView(shots, async (scheme, width) => {
      await fullPageShot(shots, path.join(SHOTS, `next-page-${scheme}-${width}.png`));
      expect(await axeProblems(shots), `${scheme} ${width}`).toEqual([]);
    });
    await shots.close();

    // Acknowledged: nobody else is paged, and the line goes with no reload.
    await page.getByRole('button', { name: /^Acknowledge/ }).click();
    await expect.poll(() => page.locator('[data-incident-state]').textContent(), { timeout: scaled(20_000) }).toBe('acknowledged');
    await expect.poll(() => next.count(), { timeout: scaled(20_000) }).toBe(0);
    const after = await runCli(['incident', 'show', id, '--config', config]);
    expect(after.stdout).not.toContain('next page:');
    await page.close();
  }, scaled(120_000));
});
