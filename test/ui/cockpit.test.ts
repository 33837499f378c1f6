/**
 * The incident page as a responder’s cockpit, in Debian’s Chromium: declare an incident, make
 * someone commander, raise the severity (the response countdown follows), escalate now and add a
 * responder (both paged, on the timeline), run a diagnosis step, acknowledge from a CLI in local mode (another process
 * writing the store) and see the open page show it with no reload, resolve, then write and publish
 * the review, which `opsbook incident review` prints. The axe audit runs on each page; screenshots
 * of each, light and dark, 1366 and 390 px wide, go to test-results/screens/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeProblems, chromiumPresent, fullPageShot, inEachView, launchChromium, newAuditedPage, signInOnPage } from '../support/browser.js';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { scaled } from '../support/timing.js';
import { startReceiver, type Receiver } from '../../src/notify/test-support.js';
import { PASSWORD, serveUi, type ServedUi } from './support.js';

const present = chromiumPresent('the incident cockpit browser test');
const SHOTS = path.join(REPO_ROOT, 'test-results', 'screens');

declare const window: Record<string, unknown>;

let ui: ServedUi;
let browser: Browser;
let page: Page;
let receiver: Receiver;

const audit = (p: Page): Promise<string[]> => axeProblems(p);

/**
 * The page the shots are taken in: a context of its own with axe in it; the flow's own page keeps the
 * UI's Content-Security-Policy (the audited context bypasses it to let axe in).
 */
let shotPage: Page;

/** The page now, loaded once and shown at both widths and in both schemes, each audited, signed in as the main page is. */
async function shots(name: string): Promise<void> {
  const p = shotPage;
  await p.context().clearCookies();
  await p.context().addCookies(await page.context().cookies());
  await p.goto(page.url());
  await inEachView(p, async (scheme, width) => {
    await fullPageShot(p, path.join(SHOTS, `${name}-${scheme}-${width}.png`));
    expect(await audit(p), `${name} ${scheme} ${width}`).toEqual([]);
  });
  await p.goto('about:blank'); // no live updates to a page nobody looks at until the next shot
}

describe.skipIf(!present)('the incident cockpit in Chromium', () => {
  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    receiver = await startReceiver(() => ({ status: 200 }));
    ui = await serveUi('cockpit', {
      'runbooks/orders.md':
        '# Orders API\n\n## RB-001: Orders API down\n\n**Diagnosis:**\n\n1. Check what the service answers\n\n```bash\necho diagnosis-output-ok\n```\n\n**Resolution:**\n\n2. Restart the worker\n\n```bash\nsystemctl restart orders-worker\n```\n',
      'ops.yaml': `users:
  - { name: ana, role: admin }
  - { name: bo, role: responder }
  - { name: carl, role: responder, contact: [{ kind: webhook, address: "${receiver.url}/carl" }] }
services:
  - { id: orders, name: Orders API, shell: { allow: [echo, systemctl] } }
channels:
  - { id: hook-first, kind: webhook, url: "${receiver.url}/first", secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw] }
  - { id: hook-second, kind: webhook, url: "${receiver.url}/second", secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw] }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ channel: hook-first }], timeout: 30m }
      - { targets: [{ channel: hook-second }], timeout: 30m }
runbooks: [runbooks/*.md]
`,
    }, 'ana');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    shotPage = await newAuditedPage(browser, { viewport: { width: 1366, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
    await receiver?.close();
  });

  it('declare → commander → severity, escalate, add responder → diagnosis step → acknowledge from the CLI, seen live → resolve → review published', async () => {
    const base = ui.base;
    await page.goto(`${base}/`);
    await signInOnPage(page, base, 'ana', PASSWORD);
    await page.goto(`${base}/incidents/new`);
    await page.getByLabel('Title').fill('Orders API down');
    await page.getByLabel('Severity').selectOption({ index: 1 });
    await page.getByLabel('Service').selectOption('orders');
    await page.getByLabel('Runbook').selectOption('runbooks/orders.md#RB-001');
    await shots('declare');
    await page.getByRole('button', { name: 'Declare incident' }).click();
    await page.waitForURL(/\/incidents\/inc_/);
    const incidentId = page.url().split('/').pop()!;
    expect(await page.locator('[data-role="commander"]').textContent()).toBe('ana');

    // Roles: bo becomes communications lead from the action bar.
    await page.getByLabel('Role').selectOption('communications');
    await page.getByLabel('Person').selectOption('bo');
    await page.getByRole('button', { name: 'Assign role' }).click();
    await expect.poll(() => page.locator('[data-role="communications"]').textContent()).toBe('bo');

    // Severity P2 → P1: the response countdown follows the new target, and the timeline says so.
    const dueBefore = Number(await page.locator('.incident-head .due [data-until]').getAttribute('data-until'));
    await page.getByLabel('Severity').selectOption('P1');
    await page.getByRole('button', { name: 'Change severity' }).click();
    await expect.poll(() => page.locator('.incident-head .due').textContent()).toMatch(/\(target 15m\)/);
    expect(Number(await page.locator('.incident-head .due [data-until]').getAttribute('data-until'))).toBe(dueBefore - 45 * 60_000);
    expect(await page.locator('.timeline').textContent()).toMatch(/severity P2 → P1; response due/);

    // Escalate now pages the policy's second step; the note goes with it.
    await page.getByLabel(/Note for the timeline/).fill('the second line is needed');
    await page.getByRole('button', { name: /^Escalate/ }).click();
    await expect.poll(() => page.locator('.timeline').textContent()).toMatch(/escalated: paging step 2 of default now: the second line is needed/);
    await expect.poll(() => page.locator('.timeline').textContent()).toMatch(/step 2: paged channel hook-second/);

    // Add responder pages the person (assigning a role does not).
    await page.getByLabel('Responder', { exact: true }).selectOption('carl');
    await page.getByRole('button', { name: 'Add responder and page' }).click();
    await expect.poll(() => page.locator('[data-role="responder"]').textContent()).toBe('carl');
    await expect.poll(() => page.locator('.timeline').textContent()).toMatch(/asked to respond by ana: paged carl by webhook/);
    await shots('incident-escalated');

    // A diagnosis step runs from the page, its output inline.
    await page.getByRole('button', { name: 'Run step 1 (read-only)' }).click();
    await page.locator('.transcript .stdout').getByText('diagnosis-output-ok').waitFor();
    expect(await page.locator('[data-execution-state]').textContent()).toBe('running');

    // The CLI declares too.
    const declared = await runCli(['incident', 'declare', 'Orders API slow', '--severity', 'P2', '--service', 'orders', '--commander', 'ana', '--config', path.join(ui.dir, 'ops.yaml'), '--as', 'ana']);
    expect(declared.code, declared.stderr).toBe(0);
    expect(declared.stdout).toMatch(/declared \(P2\): Orders API slow/);
    const slowId = declared.stdout.split(' ')[0]!;
    const added = await runCli(['incident', 'add-responder', slowId, 'carl', '--config', path.join(ui.dir, 'ops.yaml'), '--as', 'ana']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout.trim()).toBe(`carl added to ${slowId} as a responder`);
    const escalated = await runCli(['incident', 'escalate', slowId, '--note', 'from the terminal too', '--config', path.join(ui.dir, 'ops.yaml'), '--as', 'ana']);
    expect(escalated.code, escalated.stderr).toBe(0);
    await page.goto(`${base}/incidents/${incidentId}`);
    await page.locator('[data-live-status]').getByText('Live updates: on').waitFor();
    await shots('incident');

    // A severity picked but not yet sent: the live refresh of the form below keeps it.
    await page.getByLabel('Severity').selectOption('P3');
    await page.locator('h1').click();
    // Acknowledge from the CLI in local mode: another process writes the store; the page is not reloaded.
    const before = await page.evaluate(() => (window as { performance: { timeOrigin: number } }).performance.timeOrigin);
    const ack = await runCli(['incident', 'ack', incidentId, '--note', 'from the terminal', '--config', path.join(ui.dir, 'ops.yaml'), '--as', 'bo']);
    expect(ack.code, ack.stderr).toBe(0);
    await expect.poll(() => page.locator('[data-incident-state]').textContent(), { timeout: scaled(20_000) }).toBe('acknowledged');
    await expect.poll(() => page.locator('.timeline').textContent(), { timeout: scaled(20_000) }).toMatch(/from the terminal/);
    expect(await page.evaluate(() => (window as { performance: { timeOrigin: number } }).performance.timeOrigin)).toBe(before); // same document: no reload
    await expect.poll(() => page.locator('.actionbar').getByRole('button', { name: /^Acknowledge/ }).count(), { timeout: scaled(20_000) }).toBe(0); // the form was refreshed
    expect(await page.getByLabel('Severity').inputValue()).toBe('P3');
    await shots('incident-acknowledged');

    // Keyboard: "r" resolves (the note field is empty and not focused).
    await page.locator('h1').click();
    await page.keyboard.press('r');
    await page.waitForLoadState('load');
    await expect.poll(() => page.locator('[data-incident-state]').textContent(), { timeout: scaled(20_000) }).toBe('resolved');
    // The execution left running closed with the incident, and the timeline says so.
    expect(await page.locator('[data-execution-state]').textContent()).toBe('incomplete');
    expect(await page.locator('.timeline').textContent()).toMatch(/closed as the incident resolved/);
    await shots('incident-resolved');

    // The review: seeded with the draft, saved, published; the CLI prints the same document.
    await page.getByRole('link', { name: 'Post-incident review' }).click();
    await page.waitForURL(/\/review$/);
    const draft = await page.getByLabel('Review (markdown)').inputValue();
    expect(draft).toMatch(/# Post-incident review: Orders API down/);
    expect(draft).toMatch(/## Action items/);
    await shots('review-draft');
    const written = draft.replace('## What went well\n\n- ', '## What went well\n\n- The page showed the acknowledgement at once');
    await page.getByLabel('Review (markdown)').fill(written);
    await page.getByRole('button', { name: 'Save and publish' }).click();
    await page.waitForURL(/version=1/);
    expect(await page.locator('main').textContent()).toMatch(/published/);
    await shots('review-published');
    const printed = await runCli(['incident', 'review', incidentId, '--config', path.join(ui.dir, 'ops.yaml')]);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout.trim()).toBe(written.replace(/\r\n/g, '\n').trim());

    // API tokens: created (shown once) and revoked.
    await page.goto(`${base}/tokens`);
    await page.getByLabel('Name').fill('grafana');
    await page.getByRole('button', { name: 'Create token' }).click();
    expect(await page.locator('#new-token').textContent()).toMatch(/^opsb_/);
    await shots('tokens-created');
    // The revoke is sent back to /tokens, where the page already is: wait for its answer and the page after it.
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/revoke') && r.request().method() === 'POST'), page.getByRole('button', { name: 'Revoke grafana of ana' }).click()]);
    await page.locator('#new-token').waitFor({ state: 'detached' });
    await page.waitForURL(`${base}/tokens`);
    expect(await page.locator('tr[data-token]').first().textContent()).toMatch(/revoked/);
    expect(await page.locator('#new-token').count()).toBe(0);
    // A long flow of pages, each shot four times and audited: its bound grows with the machine's load.
  }, scaled(300_000));
});
