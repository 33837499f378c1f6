/**
 * A form's refusal is said on the page the form is on, after a redirect (post/redirect/get): the
 * incident page's action bar (a move the incident has gone past, 409; a role or team that may not,
 * 403, with the role needed; a field refused, named and linked), a Run whose confirmation was wrong
 * (its confirmation page again), the Maintenance page's Expire of a silence already ended. A reload
 * then loads the page; it never posts the form again. What was typed in the note comes back with the
 * refusal; a refusal is shown once, and only to the session it was for. In Debian's Chromium, the
 * landed page audited with axe at 1366 and 390 px, light and dark; shots in test-results/screens/refused-*.
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

const present = chromiumPresent('refusals on the incident page');
const SHOTS = path.join(REPO_ROOT, 'test-results', 'screens');
const ana: Actor = { name: 'ana', role: 'admin', via: 'cli' };
const PROCEDURE = 'runbooks/web.md#RB-001';

describe.skipIf(!present)('refusals shown on the page of the form', () => {
  let ui: ServedUi;
  let browser: Browser;
  let page: Page;
  let web: string;
  let pay: string;
  const sessions: Record<string, SignedIn> = {};

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    ui = await serveUi('refusals', {
      'runbooks/web.md': '# Web\n\n## RB-001: Web down\n\n**Resolution:**\n\n1. Mark the restart\n\n```bash\ntouch restarted.marker\n```\n',
      'ops.yaml': `users:
  - { name: ana, role: admin }
  - { name: bob, role: responder }
  - { name: vi, role: viewer }
services:
  - { id: web, shell: { allow: [touch], cwd: . } }
  - { id: pay }
runbooks: [runbooks/*.md]
teams:
  - { id: payments, members: [ana], services: [pay], restrict_writes: true }
`,
    }, 'ana');
    const d = ui.daemon;
    for (const name of ['bob', 'vi']) await setUserPassword({ store: d.store, clock: d.clock, users: d.config.users }, ana, name, PASSWORD, TEST_COST);
    for (const name of ['ana', 'bob', 'vi']) sessions[name] = await signIn(ui.app, name);
    web = (await d.operations!.createIncident({ title: 'Checkout slow', severity: 'P2', service: 'web', runbook: PROCEDURE }, ana)).id;
    pay = (await d.operations!.createIncident({ title: 'Card payments fail', severity: 'P1', service: 'pay' }, ana)).id;
    browser = await launchChromium();
    page = await newAuditedPage(browser, { viewport: { width: 1366, height: 900 } });
    await page.goto(`${ui.base}/`);
    await signInOnPage(page, ui.base, 'bob', PASSWORD);
  }, scaled(120_000));

  afterAll(async () => {
    await browser?.close();
    await ui?.close();
  });

  const post = (who: string, url: string, fields: Record<string, string>) =>
    ui.app.inject({ method: 'POST', url, ...form({ _csrf: sessions[who]!.csrf, ...fields }), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: sessions[who]!.cookie } });

  it('says on the incident page that a move it has gone past was refused, gives the note back, and a reload posts nothing', async () => {
    // bob's page stops following the incident (a phone that lost its connection): its buttons are the ones it loaded with.
    await page.route('**/ui/events**', (route) => route.abort());
    await page.goto(`${ui.base}/incidents/${web}`);
    await page.locator('#incident-note').fill('paging the DBA too');
    // Meanwhile someone else resolves it.
    await ui.daemon.operations!.act(web, 'resolve', ana, 'fixed by the rollback');
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
    });
    const [answer] = await Promise.all([page.waitForResponse((r) => r.url().endsWith(`/incidents/${web}/act`)), page.getByRole('button', { name: /^Acknowledge/ }).click()]);
    expect(answer.status()).toBe(303);
    await page.waitForURL(`${ui.base}/incidents/${web}#refused`);
    const notice = page.locator('#refused');
    expect(await notice.getAttribute('role')).toBe('alert');
    expect((await notice.textContent())?.trim()).toBe(`Acknowledge was refused: incident ${web} is resolved and cannot become acknowledged (from resolved: reviewed)`);
    // What was typed comes back; the page shows the incident as it is now.
    expect(await page.locator('#incident-note').inputValue()).toBe('paging the DBA too');
    expect(await page.locator('[data-incident-state]').getAttribute('data-incident-state')).toBe('resolved');
    expect((await ui.daemon.operations!.incidents.get(web)).state).toBe('resolved');
    await inEachView(page, async (scheme, width) => {
      await fullPageShot(page, path.join(SHOTS, `refused-acknowledge-${scheme}-${width}.png`));
      expect(await axeProblems(page), `${scheme} ${width}`).toEqual([]);
    });
    await page.reload();
    expect(posts).toEqual([`/incidents/${web}/act`]);
    expect(await page.locator('#refused').count()).toBe(0);
    await page.unroute('**/ui/events**');
  }, scaled(120_000));

  it('names the role a viewer lacks, on the incident page', async () => {
    const landed = await landOnRefusal(ui.app, sessions.vi!, await post('vi', `/incidents/${pay}/act`, { action: 'acknowledge', note: 'me too' }));
    expect(landed).toMatchObject({ location: `/incidents/${pay}#refused`, status: 200, refusal: { status: 403, form: 'actions', action: 'Acknowledge' } });
    expect(landed.body).toContain('<strong>Acknowledge</strong> was refused: This needs the responder role (responder or admin); vi is a viewer. An admin (ana) can change roles in the users: of ops.yaml.');
    expect((await ui.daemon.operations!.incidents.get(pay)).state).toBe('triggered');
  });

  it('says which team restricts changes, on the incident page', async () => {
    const landed = await landOnRefusal(ui.app, sessions.bob!, await post('bob', `/incidents/${pay}/act`, { action: 'severity', severity: 'P3' }));
    expect(landed.refusal.status).toBe(403);
    expect(landed.body).toContain('<strong>Change severity</strong> was refused: service pay belongs to team payments, which restricts changes to its members; bob is not one');
    expect((await ui.daemon.operations!.incidents.get(pay)).severity).toBe('P1');
  });

  it('names and links the field a refusal is about', async () => {
    const landed = await landOnRefusal(ui.app, sessions.ana!, await post('ana', `/incidents/${pay}/act`, { action: 'note', note: '   ' }));
    expect(landed.refusal).toMatchObject({ status: 400, field: 'note' });
    expect(landed.body).toContain('<strong>Add note</strong> was refused — <a href="#incident-note">Note for the timeline</a>: write the note first');
    const person = await landOnRefusal(ui.app, sessions.ana!, await post('ana', `/incidents/${pay}/act`, { action: 'role', role: 'commander', person: 'nobody-here' }));
    expect(person.body).toContain('<strong>Assign role</strong> was refused — <a href="#incident-person">Person</a>: nobody-here is not one of the configured users');
  });

  it('shows a refusal once, and only to the session it was for', async () => {
    const res = await post('ana', `/incidents/${pay}/act`, { action: 'note', note: '' });
    const landed = await landOnRefusal(ui.app, sessions.ana!, res);
    expect(landed.body).toContain('id="refused"');
    // The page that shows it tells the browser to drop it.
    const shown = await ui.app.inject({ url: `/incidents/${pay}`, headers: { cookie: `${sessions.ana!.cookie}; ${landed.cookie}` } });
    const setCookie = ([] as string[]).concat((shown.headers['set-cookie'] as string | string[] | undefined) ?? []);
    expect(setCookie.find((c) => c.startsWith('opsbook_refusal=;')), setCookie.join('\n')).toMatch(new RegExp(`Path=/incidents/${pay}.*Expires=Thu, 01 Jan 1970`, 'i'));
    // Another session sent the same cookie (copied, or planted) sees nothing of it.
    const bobs = await ui.app.inject({ url: `/incidents/${pay}`, headers: { cookie: `${sessions.bob!.cookie}; ${landed.cookie}` } });
    expect(bobs.statusCode).toBe(200);
    expect(bobs.body).not.toContain('id="refused"');
    // Nor does a cookie for another page.
    const other = await ui.app.inject({ url: `/incidents/${web}`, headers: { cookie: `${sessions.ana!.cookie}; ${landed.cookie}` } });
    expect(other.body).not.toContain('id="refused"');
  });

  it('sends a wrong confirmation back to the step’s confirmation page, saying why', async () => {
    const d = ui.daemon;
    const fresh = (await d.operations!.createIncident({ title: 'Checkout down', severity: 'P2', service: 'web', runbook: PROCEDURE }, ana)).id;
    const landed = await landOnRefusal(ui.app, sessions.bob!, await post('bob', `/incidents/${fresh}/run`, { procedure: PROCEDURE, step: '1', confirm: 'no' }));
    expect(landed.location).toBe(`/incidents/${fresh}/run?procedure=${encodeURIComponent(PROCEDURE)}&step=1#confirm-problem`);
    expect(landed.status).toBe(200);
    expect(landed.body).toMatch(/<p class="notice error" role="alert" id="confirm-problem">[^<]*yes[^<]*<\/p>/);
    expect(landed.body).toContain('aria-describedby="confirm-problem"');
    expect(fs.existsSync(path.join(ui.dir, 'restarted.marker'))).toBe(false);
  });

  it('says on the Maintenance page that a silence to expire had already ended', async () => {
    const d = ui.daemon;
    const silence = await d.operations!.incidents.createSilence({ matchers: [{ label: 'service', op: '=', value: 'web' }], endsAt: d.clock.now() + 3_600_000, comment: 'deploy' }, ana);
    await d.operations!.expireSilence(silence.id, ana);
    const landed = await landOnRefusal(ui.app, sessions.bob!, await post('bob', `/maintenance/silences/${silence.id}/expire`, {}));
    expect(landed).toMatchObject({ location: '/maintenance#refused', status: 200 });
    expect(landed.body).toContain(`<strong>Expire silence ${silence.id}</strong> was refused: silence ${silence.id} has already ended`);
  });
});
