/**
 * An execution's page a team can share, in Debian's Chromium, on SQLite and PostgreSQL: it follows
 * the execution live (another responder runs a step, then finishes it: the page shows the output, the
 * new state and who finished it, without a reload); a Finish pressed after someone else ended the
 * execution — the page without JavaScript, so nothing refreshed it — lands on the execution's page
 * saying who ended it and when, from the execution page and from the incident page alike, and a
 * reload shows the same. The incident timeline's step lines link to their entry on the execution's
 * page and name their execution; the API's timeline entries say which execution they belong to. A
 * 404 of an execution, incident or check offers its list; a 403 names the role needed. The whole
 * output of one entry is read without reading the transcript. Each new page is audited with axe and
 * shot light and dark, 1366 and 390 px wide, to test-results/screens/execution-live-*.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { setUserPassword, webAuthFor } from '../../src/http/sessions/index.js';
import { axeProblems, chromiumPresent, fullPageShot, inEachView, launchChromium, newAuditedPage, signInOnPage } from '../support/browser.js';
import { REPO_ROOT } from '../support/cli.js';
import { apiTokens, listenOnLoopback, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { scaled } from '../support/timing.js';
import { landOnRefusal, PASSWORD, signIn, TEST_COST } from './support.js';

const present = chromiumPresent('the live execution page browser test');
const pgAvailable = await postgresUp();
const SHOTS = path.join(REPO_ROOT, 'test-results', 'screens');
const PROCEDURE = 'runbooks/orders.md#RB-001';
const ana = { name: 'ana', role: 'admin' as const, via: 'session' as const };

declare const window: { performance: { timeOrigin: number } };

const RUNBOOK = `# Orders

## RB-001: Orders down

**Diagnosis:**

1. Ask the service

\`\`\`bash
echo orders-answer-one
\`\`\`

2. Ask it again

\`\`\`bash
echo orders-answer-two
\`\`\`

- [ ] Tell support
`;

// One browser for both stores' suites: each page and context is made and closed by the test that uses it.
let browser: Browser;
beforeAll(async () => {
  if (present) browser = await launchChromium();
}, scaled(60_000));
afterAll(async () => {
  await browser?.close();
});

for (const target of storeTargets('opsbook-execution-live', { migrated: true })) {
  describe.skipIf(!present || (target.name === 'postgres' && !pgAvailable))(`an execution's page a team can share, on ${target.name}`, () => {
    let app: DaemonApp;
    let base: string;
    let cleanup: (() => Promise<void>) | undefined;
    let incidentId: string;

    beforeAll(async () => {
      fs.mkdirSync(SHOTS, { recursive: true });
      const opened = await target.open();
      cleanup = opened.cleanup;
      app = await startDaemonApp(
        `execution-live-${target.name}`,
        {
          'runbooks/orders.md': RUNBOOK,
          'ops.yaml':
            `storage:\n  url: "${opened.url}"\n` +
            'users:\n  - { name: ana, role: admin }\n  - { name: bob, role: responder }\n  - { name: vi, role: viewer }\n' +
            'services:\n  - { id: orders, shell: { allow: [echo] } }\n' +
            'runbooks: [runbooks/*.md]\n',
        },
        { beforeServer: (daemon) => webAuthFor(daemon) },
      );
      const d = app.daemon;
      for (const name of ['ana', 'bob', 'vi']) {
        await setUserPassword({ store: d.store, clock: d.clock, users: d.config.users }, { name: 'ana', role: 'admin', via: 'cli' }, name, PASSWORD, TEST_COST);
      }
      incidentId = (await d.operations!.createIncident({ title: 'orders down', severity: 'P2', service: 'orders', runbook: PROCEDURE }, ana)).id;
      base = await listenOnLoopback(app.app);
    }, scaled(120_000));

    afterAll(async () => {
      await app?.close();
      await cleanup?.();
    });

    /** A page of its own, signed in as `who`; without JavaScript when `script` is false. */
    const signedInPage = async (who: string, script = true): Promise<Page> => {
      const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, javaScriptEnabled: script });
      const page = await context.newPage();
      await page.goto(`${base}/login`);
      await signInOnPage(page, base, who, PASSWORD);
      return page;
    };

    /** The page `page` shows, loaded again signed in as it is, audited and shot in each view. */
    const shots = async (page: Page, name: string): Promise<void> => {
      const shot = await newAuditedPage(browser, { viewport: { width: 1366, height: 900 } });
      try {
        await shot.context().addCookies(await page.context().cookies());
        await shot.goto(page.url());
        await inEachView(shot, async (scheme, width) => {
          await fullPageShot(shot, path.join(SHOTS, `execution-live-${target.name}-${name}-${scheme}-${width}.png`));
          expect(await axeProblems(shot), `${name} ${scheme} ${width}`).toEqual([]);
        });
      } finally {
        await shot.context().close();
      }
    };

    it('follows the execution live: another responder’s step, then their Finish, show without a reload', async () => {
      const svc = app.daemon.executions!;
      const id = (await svc.start(PROCEDURE, ana, { incidentId })).id;
      const page = await signedInPage('bob');
      try {
        await page.goto(`${base}/executions/${id}`);
        await page.locator('[data-live-status]').getByText('Live updates: on').waitFor({ timeout: scaled(20_000) });
        const loaded = await page.evaluate(() => window.performance.timeOrigin);
        expect(await page.getByRole('button', { name: 'Finish execution' }).count()).toBe(1);

        // ana runs step 1 elsewhere: its output appears on bob's page.
        expect((await svc.runStep(id, 1, ana)).status).toBe('ok');
        await expect.poll(() => page.locator('#step-1 .stdout').textContent(), { timeout: scaled(20_000) }).toContain('orders-answer-one');

        // ana finishes it: the state, who finished it, and no more buttons.
        const finished = await svc.finish(id, ana);
        await expect.poll(() => page.locator('[data-execution-state]').textContent(), { timeout: scaled(20_000) }).toBe(finished.state);
        expect(await page.locator('[data-ended-by]').textContent()).toBe('ana');
        expect(await page.getByRole('button', { name: 'Finish execution' }).count()).toBe(0);
        expect(await page.evaluate(() => window.performance.timeOrigin), 'the same document: no reload').toBe(loaded);
        await shots(page, 'finished');
      } finally {
        await page.context().close();
      }
    }, scaled(180_000));

    it('lands a Finish pressed after someone else ended the execution on its page, saying who and when', async () => {
      const svc = app.daemon.executions!;
      // Without JavaScript nothing refreshes the page: bob's buttons are there when ana has already ended it.
      const page = await signedInPage('bob', false);
      try {
        for (const from of ['execution', 'incident'] as const) {
          const id = (await svc.start(PROCEDURE, ana, { incidentId })).id;
          await page.goto(from === 'execution' ? `${base}/executions/${id}` : `${base}/incidents/${incidentId}`);
          const cancelled = await svc.cancel(id, ana);
          const finish = from === 'execution' ? page.getByRole('button', { name: 'Finish execution' }) : page.locator(`#exec-${id}`).getByRole('button', { name: 'Finish execution' });
          await finish.click();
          await page.waitForLoadState('load');
          expect(new URL(page.url()).pathname, from).toBe(`/executions/${id}`);
          const notice = await page.locator('#execution-refused').textContent();
          const at = new Date(cancelled.finishedAt!).toISOString().slice(0, 19).replace('T', ' ');
          expect(notice, from).toBe(`Finish changed nothing: this execution had already ended — ana cancelled it at ${at} UTC; it is cancelled.`);
          expect(await page.getByRole('button', { name: 'Finish execution' }).count()).toBe(0);
          expect((await svc.get(id)).state).toBe('cancelled');
          // A reload shows the truth, and does not post again.
          await page.reload();
          expect(await page.locator('[data-execution-state]').textContent()).toBe('cancelled');
          expect(await page.locator('[data-ended-by]').textContent()).toBe('ana');
          if (from === 'execution') await shots(page, 'refused');
        }
      } finally {
        await page.context().close();
      }
    }, scaled(180_000));

    it('links the incident timeline’s step lines to their entry on the execution’s page, and names the execution in the API', async () => {
      const svc = app.daemon.executions!;
      const id = (await svc.start(PROCEDURE, ana, { incidentId })).id;
      expect((await svc.runStep(id, 2, ana)).status).toBe('ok');
      await svc.tick(id, 3, ana, 'told them');
      const entries = await svc.transcript(id);
      const ran = entries.find((t) => t.kind === 'command' && t.status === 'ok')!;
      const page = await signedInPage('bob');
      try {
        await page.goto(`${base}/incidents/${incidentId}`);
        const line = page.locator('.timeline > li').filter({ hasText: 'step 2.1 ok' }).filter({ hasText: id });
        expect(await line.count(), 'the step line names its execution').toBe(1);
        const stepLink = line.getByRole('link', { name: 'step 2.1' });
        expect(await stepLink.getAttribute('href')).toBe(`/executions/${id}#entry-${ran.id}`);
        expect(await line.getByRole('link', { name: id }).getAttribute('href')).toBe(`/executions/${id}`);
        const ticked = page.locator('.timeline > li').filter({ hasText: 'step 3 ticked by ana' }).filter({ hasText: id });
        expect(await ticked.getByRole('link', { name: 'step 3' }).count()).toBe(1);
        await stepLink.click();
        await page.waitForURL(`${base}/executions/${id}#entry-${ran.id}`);
        expect(await page.locator(`#entry-${ran.id}`).textContent()).toContain('orders-answer-two');
        await shots(page, 'entry');
      } finally {
        await page.context().close();
      }
      const token = (await apiTokens(app.daemon, 'ana', ['ana'])).ana!;
      const res = await fetch(`${base}/api/incidents/${incidentId}/timeline`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const { timeline } = (await res.json()) as { timeline: Array<{ kind: string; text: string; executionId?: string }> };
      const steps = timeline.filter((t) => t.text.startsWith('step '));
      expect(steps.length).toBeGreaterThan(0);
      for (const t of steps) expect(t, t.text).toMatchObject({ kind: 'execution', executionId: expect.any(String) });
      expect(steps.filter((t) => t.executionId === id).map((t) => t.text)).toEqual(expect.arrayContaining([expect.stringMatching(/^step 2\.1 ok/), expect.stringMatching(/^step 3 ticked by ana/)]));
    }, scaled(180_000));

    it('offers the list a missing execution, incident or check belongs to, and names the role a refused person needs', async () => {
      const bob = await signIn(app.app, 'bob');
      const vi = await signIn(app.app, 'vi');
      const ask = (who: { cookie: string; csrf: string }, method: 'GET' | 'POST', url: string) =>
        app.app.inject({ method, url, headers: { cookie: who.cookie, ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, ...(method === 'POST' ? { payload: new URLSearchParams({ _csrf: who.csrf, action: 'finish' }).toString() } : {}) });
      const cases = [
        ['GET', '/executions/exe_nope', '/executions?team=all'],
        ['POST', '/executions/exe_nope', '/executions?team=all'],
        ['GET', '/incidents/inc_nope', '/incidents'],
        ['POST', `/incidents/inc_nope/executions/exe_nope`, '/incidents'],
        ['GET', '/incidents/inc_nope/review', '/incidents'],
        ['GET', '/checks/nope', '/checks'],
      ] as const;
      for (const [method, url, list] of cases) {
        // A form posted about it is answered with its page (post/redirect/get), which is the 404 page.
        const res = method === 'POST' ? await landOnRefusal(app.app, bob, await ask(bob, method, url)) : await ask(bob, method, url).then((r) => ({ status: r.statusCode, body: r.body }));
        expect(res.status, `${method} ${url}`).toBe(404);
        expect(res.body, `${method} ${url}`).toContain(`<a href="${list.replace('&', '&amp;')}">`);
      }
      const refused = await landOnRefusal(app.app, vi, await ask(vi, 'POST', '/executions/exe_nope'));
      expect(refused.refusal.status).toBe(403);
      expect(refused.body).toContain('This needs the responder role (responder or admin); vi is a viewer. An admin (ana) can change roles');
    });

    it('reads one entry, not the whole transcript, for the whole output of that entry', async () => {
      const svc = app.daemon.executions!;
      // Of no incident and on no open page: nothing else in the process reads its transcript meanwhile.
      const id = (await svc.start(PROCEDURE, ana, { service: 'orders' })).id;
      expect((await svc.runStep(id, 1, ana)).status).toBe('ok');
      expect((await svc.runStep(id, 2, ana)).status).toBe('ok');
      const second = (await svc.transcript(id)).find((t) => t.step === 2)!;
      const bob = await signIn(app.app, 'bob');
      const transcript = vi.spyOn(svc, 'transcript');
      try {
        const res = await app.app.inject({ url: `/executions/${id}/entries/${second.id}/stdout`, headers: { cookie: bob.cookie } });
        expect(res.statusCode).toBe(200);
        expect(res.body).toBe('orders-answer-two\n');
        expect(transcript, 'the transcript is not read for one entry').not.toHaveBeenCalled();
      } finally {
        transcript.mockRestore();
      }
    });
  });
}
