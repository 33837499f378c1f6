/**
 * The incident page's title form: a person gives the incident a title of their own, as
 * `POST /api/incidents/ID/title` and `opsbook incident title` do (the timeline line, the role and
 * team checks, CSRF). A title refused (only spaces, too long) comes back in the form on the incident
 * page after a redirect (a reload does not post it again), the field named and marked, what was typed
 * kept; a role or team that may not is said on the incident page too. Driven with the keyboard in Debian's Chromium, the form
 * audited with axe at 1366 and 390 px, light and dark; shots in test-results/screens/retitle-*.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUserPassword } from '../../src/http/sessions/index.js';
import type { Actor } from '../../src/identity/index.js';
import { axeProblems, chromiumPresent, fullPageShot, inEachView, launchChromium, newAuditedPage, signInOnPage } from '../support/browser.js';
import { REPO_ROOT } from '../support/cli.js';
import { scaled } from '../support/timing.js';
import { form, landOnRefusal, PASSWORD, serveUi, signIn, TEST_COST, type ServedUi, type SignedIn } from './support.js';

const present = chromiumPresent('the incident title form');
const SHOTS = path.join(REPO_ROOT, 'test-results', 'screens');
const ana: Actor = { name: 'ana', role: 'admin', via: 'cli' };

// What the code evaluated in the page uses of the browser's globals (the project compiles without the DOM lib).
declare const document: { activeElement: { id: string; textContent: string | null } | null };

describe.skipIf(!present)('the incident page’s title form', () => {
  let ui: ServedUi;
  let browser: Browser;
  let page: Page;
  let web: string;
  let pay: string;
  const sessions: Record<string, SignedIn> = {};

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    ui = await serveUi('retitle', {
      'ops.yaml': `users:
  - { name: ana, role: admin }
  - { name: bob, role: responder }
  - { name: cy, role: responder }
  - { name: vi, role: viewer }
services:
  - { id: web }
  - { id: pay }
teams:
  - { id: payments, members: [cy], services: [pay], restrict_writes: true }
`,
    }, 'ana');
    const d = ui.daemon;
    for (const name of ['bob', 'cy', 'vi']) await setUserPassword({ store: d.store, clock: d.clock, users: d.config.users }, ana, name, PASSWORD, TEST_COST);
    for (const name of ['bob', 'cy', 'vi']) sessions[name] = await signIn(ui.app, name);
    web = (await d.operations!.createIncident({ title: 'Checkout slow', severity: 'P2', service: 'web' }, ana)).id;
    pay = (await d.operations!.createIncident({ title: 'Card payments fail', severity: 'P1', service: 'pay' }, ana)).id;
    browser = await launchChromium();
    page = await newAuditedPage(browser, { viewport: { width: 1366, height: 900 } });
    await page.goto(`${ui.base}/`);
    await signInOnPage(page, ui.base, 'bob', PASSWORD);
  });

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
  });

  const post = (who: string, id: string, fields: Record<string, string>) =>
    ui.app.inject({ method: 'POST', url: `/incidents/${id}/title`, ...form(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: sessions[who]!.cookie } });
  const timelineTexts = async (id: string) => (await ui.daemon.operations!.incidents.timeline(id)).map((e) => `${e.actor}: ${e.text}`);

  it('gives the incident a title of its own from the keyboard, the timeline saying what it was', async () => {
    await page.goto(`${ui.base}/incidents/${web}`);
    // Tab from the action bar's last button reaches the title field, then its button.
    await page.getByRole('button', { name: 'Add responder and page' }).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('incident-title');
    expect(await page.locator('#incident-title').inputValue()).toBe('Checkout slow');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Change title');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Checkout slow for EU customers');
    // The form posts and is sent back to the page it is on: the URL alone cannot tell the new page
    // from the old one, so wait for the post's answer, then for the page that shows the new title.
    await Promise.all([page.waitForResponse((r) => r.url().endsWith(`/incidents/${web}/title`) && r.request().method() === 'POST'), page.keyboard.press('Enter')]);
    await page.locator('h1', { hasText: 'Checkout slow for EU customers' }).waitFor();
    expect(page.url()).toBe(`${ui.base}/incidents/${web}`);

    expect(await page.locator('h1').textContent()).toBe('Checkout slow for EU customers');
    expect(await page.locator('#incident-title').inputValue()).toBe('Checkout slow for EU customers');
    expect(await page.locator('.timeline-panel').textContent()).toContain('title "Checkout slow" → "Checkout slow for EU customers"');
    const incident = await ui.daemon.operations!.incidents.get(web);
    expect(incident.title).toBe('Checkout slow for EU customers');
    const line = (await ui.daemon.operations!.incidents.timeline(web)).find((e) => e.data.event === 'title_set_by_person');
    expect(line).toMatchObject({ actor: 'bob', kind: 'note', data: { from: 'Checkout slow', to: 'Checkout slow for EU customers' } });
  }, scaled(120_000));

  it('shows a title of only spaces refused in the form on the incident page, naming the field; a reload posts nothing; the page passes axe in each view', async () => {
    await page.goto(`${ui.base}/incidents/${web}`);
    await page.locator('#incident-title').fill('   ');
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(r.url());
    });
    const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith(`/incidents/${web}/title`)), page.locator('#incident-title').press('Enter')]);
    // Answered with the incident page (post/redirect/get), not with a page at the form's address.
    expect(res.status()).toBe(303);
    await page.waitForURL(`${ui.base}/incidents/${web}#h-retitle`);
    const problem = page.locator('form.retitle #retitle-problem');
    expect(await problem.getAttribute('role')).toBe('alert');
    expect(await problem.textContent()).toBe('Title: a title must be 1 to 500 characters');
    const field = page.locator('#incident-title');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect((await field.getAttribute('aria-describedby'))?.split(' ')).toContain('retitle-problem');
    expect(await field.inputValue()).toBe('   ');
    // Nothing changed: the title and the timeline are as they were.
    expect(await page.locator('h1').textContent()).toBe('Checkout slow for EU customers');
    expect((await timelineTexts(web)).filter((t) => t.includes('→ ""'))).toEqual([]);
    await inEachView(page, async (scheme, width) => {
      await fullPageShot(page, path.join(SHOTS, `retitle-refused-${scheme}-${width}.png`));
      expect(await axeProblems(page), `${scheme} ${width}`).toEqual([]);
    });
    // A reload loads the page again: it posts nothing, and the refusal, shown once, is gone.
    expect(posts).toEqual([`${ui.base}/incidents/${web}/title`]);
    await page.reload();
    expect(posts).toHaveLength(1);
    expect(await page.locator('#retitle-problem').count()).toBe(0);
    expect(await page.locator('#incident-title').inputValue()).toBe('Checkout slow for EU customers');
  }, scaled(120_000));

  it('refuses a title past 500 characters in the form, keeping what was typed', async () => {
    const long = 'x'.repeat(501);
    const landed = await landOnRefusal(ui.app, sessions.bob!, await post('bob', web, { _csrf: sessions.bob!.csrf, title: long }));
    expect(landed.location).toBe(`/incidents/${web}#h-retitle`);
    expect(landed.status).toBe(200);
    expect(landed.body).toContain('<p class="notice error" role="alert" id="retitle-problem">Title: a title must be 1 to 500 characters</p>');
    expect(landed.body).toMatch(new RegExp(`<input id="incident-title" name="title" value="${long}"[^>]* aria-invalid="true"`));
    expect((await ui.daemon.operations!.incidents.get(web)).title).toBe('Checkout slow for EU customers');
  });

  it('checks roles, teams and CSRF as the API does', async () => {
    // A viewer sees no form, and is refused the action.
    const viewerPage = await ui.app.inject({ url: `/incidents/${web}`, headers: { cookie: sessions.vi!.cookie } });
    expect(viewerPage.statusCode).toBe(200);
    expect(viewerPage.body).not.toContain('id="incident-title"');
    const viewer = await landOnRefusal(ui.app, sessions.vi!, await post('vi', web, { _csrf: sessions.vi!.csrf, title: 'viewer was here' }));
    expect(viewer.refusal.status).toBe(403);
    expect(viewer.body).toContain('<strong>Change title</strong> was refused: This needs the responder role (responder or admin); vi is a viewer.');
    // A form without the session's token is refused.
    expect((await post('bob', web, { title: 'no token' })).statusCode).toBe(403);
    // A team that restricts writes: only its members retitle its incidents.
    const outsider = await ui.app.inject({ url: `/incidents/${pay}`, headers: { cookie: sessions.bob!.cookie } });
    expect(outsider.body).not.toContain('id="incident-title"');
    const outsiderRefused = await landOnRefusal(ui.app, sessions.bob!, await post('bob', pay, { _csrf: sessions.bob!.csrf, title: 'not my team' }));
    expect(outsiderRefused.refusal.status).toBe(403);
    expect(outsiderRefused.body).toContain('<strong>Change title</strong> was refused: service pay belongs to team payments, which restricts changes to its members; bob is not one');
    const member = await post('cy', pay, { _csrf: sessions.cy!.csrf, title: 'Card payments fail in the EU' });
    expect(member.statusCode).toBe(303);
    expect((await ui.daemon.operations!.incidents.get(pay)).title).toBe('Card payments fail in the EU');
    expect((await ui.daemon.operations!.incidents.get(web)).title).toBe('Checkout slow for EU customers');
    expect(await timelineTexts(pay)).toContain('cy: title "Card payments fail" → "Card payments fail in the EU"');
  });
});
