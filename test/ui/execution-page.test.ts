/**
 * One execution's page, `/executions/ID`, on SQLite and PostgreSQL, served on loopback and read with
 * a browser session: an execution run without an incident opens from the executions list with its
 * outputs (escaped, a long one cut with a note and its whole text a link away), an incident's
 * execution older than the newest 100 the incident page shows opens from the path its note starts,
 * an unknown id is the UI's 404 page, and a person of another team reads what the list shows them.
 * A running execution's page has Finish and Cancel for whoever may write its service (with or without
 * an incident); a viewer, a person of another team that restricts writes, and a finished execution
 * get no buttons, and a post anyway is refused with a clear error; a Finish or Cancel of an execution
 * someone already ended leads to its page, saying who ended it and when. The incident timeline's lines
 * that name an execution link to its page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUserPassword, webAuthFor } from '../../src/http/sessions/index.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { apiTokens, listenOnLoopback, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { carriedRefusal, form, landOnRefusal, PASSWORD, signIn, TEST_COST, type SignedIn } from './support.js';

const pgAvailable = await postgresUp();
const ana = { name: 'ana', role: 'admin' as const, via: 'session' as const };
const PROCEDURE = 'runbooks/orders.md#RB-001';
/** One more than the incident page shows with their transcripts. */
const NEWER = 100;
/** Lines of `seq`: its output is past the transcript row's 64 KiB. */
const LINES = 30_000;
const SEQ_OUTPUT = Array.from({ length: LINES }, (_, i) => `${i + 1}\n`).join('');

const RUNBOOK = `# Orders

## RB-001: Orders down

**Diagnosis:**

1. Say what the page must escape

\`\`\`bash
printf '\\074script\\076alert(1)\\074/script\\076 & done\\n'
\`\`\`

2. Count a long way

\`\`\`bash
seq 1 ${LINES}
\`\`\`

**Resolution:**

3. Mark the restart

\`\`\`bash
touch restarted.marker
\`\`\`

- [ ] Tell support
`;

for (const target of storeTargets('opsbook-execution-page', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`the page of one execution, on ${target.name}`, () => {
    let app: DaemonApp;
    let base: string;
    let cleanup: (() => Promise<void>) | undefined;
    const sessions = {} as Record<'ana' | 'bob' | 'cy' | 'vi', SignedIn>;
    let lone: string;
    let oldest: string;
    let incidentId: string;
    let payExec: string;

    beforeAll(async () => {
      const opened = await target.open();
      cleanup = opened.cleanup;
      app = await startDaemonApp(
        `execution-page-${target.name}`,
        {
          'runbooks/orders.md': RUNBOOK,
          'ops.yaml':
            `storage:\n  url: "${opened.url}"\n` +
            'users:\n  - { name: ana, role: admin }\n  - { name: bob, role: responder }\n  - { name: cy, role: responder }\n  - { name: vi, role: viewer }\n' +
            'services:\n  - { id: orders, shell: { allow: [printf, seq, touch], cwd: . } }\n  - { id: pay, shell: { allow: [printf, seq] } }\n  - { id: search }\n' +
            'runbooks: [runbooks/*.md]\n' +
            'teams:\n  - { id: payments, members: [cy], services: [pay], restrict_writes: true }\n  - { id: search, members: [bob], services: [search] }\n',
        },
        { beforeServer: (daemon) => webAuthFor(daemon) },
      );
      const d = app.daemon;
      for (const name of ['ana', 'bob', 'cy', 'vi'] as const) {
        await setUserPassword({ store: d.store, clock: d.clock, users: d.config.users }, { name: 'ana', role: 'admin', via: 'cli' }, name, PASSWORD, TEST_COST);
        sessions[name] = await signIn(app.app, name);
      }
      const svc = d.executions!;
      // `opsbook run` without --incident: every command step run (the write one confirmed), the checklist item ticked.
      lone = (await svc.start(PROCEDURE, ana, { service: 'orders' })).id;
      expect((await svc.runStep(lone, 1, ana)).status).toBe('ok');
      expect((await svc.runStep(lone, 2, ana)).status).toBe('ok');
      expect((await svc.runStep(lone, 3, ana, { yes: true })).status).toBe('ok');
      await svc.tick(lone, 4, ana, 'told them');
      await svc.finish(lone, ana);
      // An incident whose first execution ran a step, then 100 newer ones that ran none.
      incidentId = (await d.operations!.createIncident({ title: 'orders down for long', severity: 'P2', service: 'orders', runbook: PROCEDURE }, ana)).id;
      oldest = (await svc.start(PROCEDURE, ana, { incidentId })).id;
      expect((await svc.runStep(oldest, 1, ana)).status).toBe('ok');
      await svc.finish(oldest, ana);
      for (let i = 0; i < NEWER; i++) await svc.finish((await svc.start(PROCEDURE, ana, { incidentId })).id, ana);
      // An execution of the payments team's service, which restricts writes.
      payExec = (await svc.start(PROCEDURE, { name: 'cy', role: 'responder', via: 'session' }, { service: 'pay' })).id;
      expect((await svc.runStep(payExec, 1, { name: 'cy', role: 'responder', via: 'session' })).status).toBe('ok');
      base = await listenOnLoopback(app.app);
    }, 180_000);

    afterAll(async () => {
      await app?.close();
      await cleanup?.();
    });

    /** A GET over loopback with `who`'s session cookie; redirects are not followed. */
    const open = async (who: keyof typeof sessions, url: string) => {
      const res = await fetch(`${base}${url.replace(/&amp;/g, '&')}`, { headers: { cookie: sessions[who].cookie }, redirect: 'manual' });
      return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
    };
    /** The link of the executions list's row of `id`. */
    const rowLink = (list: string, id: string): string | undefined => {
      const row = list.split('<tr data-state=').find((r) => r.includes(id) || r.includes(encodeURIComponent(id)));
      return row ? /<th scope="row"><a href="([^"]+)"/.exec(row)?.[1] : undefined;
    };

    it('opens an execution without an incident from the list, with its steps and outputs', async () => {
      const list = await open('ana', '/executions');
      expect(list.status).toBe(200);
      const href = rowLink(list.body, lone);
      expect(href, 'a row for the execution').toBeDefined();
      const res = await open('ana', href!);
      expect(res.status, `${href} answers`).toBe(200);
      expect(res.type).toMatch(/^text\/html/);
      const body = res.body;
      // The procedure with a link to it in its runbook, who started it, its state and times.
      expect(body).toContain('href="/runbooks/view?file=runbooks%2Forders.md#proc-RB-001"');
      expect(body).toMatch(/Started by <strong>ana<\/strong>/);
      expect(body).toMatch(/data-execution-state="passed"/);
      expect(body).toContain('No incident');
      // Every step: number, title, the command as run, who ran it, exit status, duration, output escaped.
      expect(body).toMatch(/Step 1\.[^<]*Say what the page must escape/);
      expect(body).toMatch(/Step 2\.[^<]*Count a long way/);
      expect(body).toMatch(/Step 3\.[^<]*Mark the restart/);
      expect(body).toMatch(/Step 4\.[^<]*Tell support/);
      expect(body).toMatch(/<strong>ok<\/strong> \(exit 0\) by ana /);
      expect(body).toMatch(/<code>touch restarted\.marker<\/code> — <strong>ok<\/strong> \(exit 0\) by ana, confirmed by ana /);
      expect(body).toMatch(/ in \d+ ms/);
      expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; done');
      expect(body).not.toContain('<script>alert(1)');
      expect(body).toMatch(/<strong>ticked<\/strong> by ana/);
      // The long output: its first 64 KiB, a note saying what the transcript cut, and the whole of it a link away.
      const bytes = Buffer.byteLength(SEQ_OUTPUT);
      expect(body).toContain(`first 65,536 of ${bytes.toLocaleString('en-US')} bytes`);
      const whole = /<a href="([^"]+\/stdout)"[^>]*>the whole output<\/a>/.exec(body);
      expect(whole, 'a link to the whole output').not.toBeNull();
      const full = await open('ana', whole![1]!);
      expect(full.status).toBe(200);
      expect(full.type).toBe('text/plain; charset=utf-8');
      expect(full.body).toBe(SEQ_OUTPUT);
    });

    it('opens an incident’s execution older than the newest 100 from the incident page’s note', async () => {
      const incident = await open('ana', `/incidents/${incidentId}`);
      expect(incident.status).toBe(200);
      expect(incident.body).not.toContain(`id="exec-${oldest}"`);
      const note = /(\d+) older executions? not shown[^<]*<a href="([^"]+)"/.exec(incident.body);
      expect(note, 'a note of the executions left out').not.toBeNull();
      const list = await open('ana', note![2]!);
      expect(list.status).toBe(200);
      const href = rowLink(list.body, oldest);
      expect(href, 'a row for the oldest execution').toBeDefined();
      const [where, anchor] = href!.split('#');
      const res = await open('ana', where!);
      expect(res.status).toBe(200);
      if (anchor) expect(res.body, `${href} leads to an element ${anchor}`).toContain(`id="${anchor}"`);
      expect(res.body).toMatch(/<pre class="stdout"[^>]*><code>&lt;script&gt;alert\(1\)/);
      expect(res.body).toContain(`href="/incidents/${incidentId}"`);
    });

    it('answers an unknown execution id with the UI’s 404 page', async () => {
      for (const id of ['exe_does_not_exist', '<b>nope</b>']) {
        const res = await open('ana', `/executions/${encodeURIComponent(id)}`);
        expect(res.status, id).toBe(404);
        expect(res.type).toMatch(/^text\/html/);
        expect(res.body).toContain('Execution not found');
        expect(res.body).not.toContain('<b>nope</b>');
      }
      expect((await open('ana', `/executions/${lone}/entries/nope/stdout`)).status).toBe(404);
      const entry = (await app.daemon.executions!.transcript(lone))[0]!.id;
      expect((await open('ana', `/executions/${lone}/entries/${entry}/stdin`)).status).toBe(404);
      expect((await open('ana', `/executions/${oldest}/entries/${entry}/stdout`)).status, 'an entry of another execution').toBe(404);
    });

    it('shows a person of another team what the list shows them: the execution, without its controls', async () => {
      // bob is in the search team: his default list leaves the payments execution out, ?team=all lists it.
      expect(rowLink((await open('bob', '/executions')).body, payExec)).toBeUndefined();
      const all = await open('bob', '/executions?team=all');
      const href = rowLink(all.body, payExec);
      expect(href, 'listed under all teams').toBeDefined();
      const res = await open('bob', href!);
      expect(res.status).toBe(200);
      expect(res.body).toContain('&lt;script&gt;alert(1)');
      expect(res.body).toMatch(/Started by <strong>cy<\/strong>/);
      expect(res.body).not.toContain('Finish execution');
      // cy, of the payments team, has it in her own list, and the same page.
      expect(rowLink((await open('cy', '/executions')).body, payExec)).toBe(href);
      expect((await open('cy', href!)).status).toBe(200);
    });

    it('sends a responder who ran a step of an execution older than the newest 100 to that execution', async () => {
      // The incident's oldest running execution: its step runs there, and the answer leads to it.
      const d = app.daemon;
      const running = (await d.executions!.start(PROCEDURE, ana, { incidentId })).id;
      for (let i = 0; i < NEWER; i++) await d.executions!.finish((await d.executions!.start(PROCEDURE, ana, { incidentId })).id, ana);
      const res = await app.app.inject({ method: 'POST', url: `/incidents/${incidentId}/run`, ...form({ _csrf: sessions.ana.csrf, procedure: PROCEDURE, step: '1' }), headers: { ...form({}).headers, cookie: sessions.ana.cookie } });
      expect(res.statusCode).toBe(303);
      const [where, anchor] = String(res.headers.location).split('#');
      const page = await open('ana', where!);
      expect(page.status).toBe(200);
      if (anchor) expect(page.body, `${res.headers.location} leads to an element ${anchor}`).toContain(`id="${anchor}"`);
      expect(page.body).toContain(running);
    }, 120_000);

    it('refuses to finish or cancel an execution through another incident\'s address, and leaves it running', async () => {
      const d = app.daemon;
      const other = (await d.operations!.createIncident({ title: 'orders slow', severity: 'P3', service: 'orders' }, ana)).id;
      const running = (await d.executions!.start(PROCEDURE, ana, { incidentId })).id;
      for (const action of ['finish', 'cancel']) {
        const res = await app.app.inject({ method: 'POST', url: `/incidents/${other}/executions/${running}`, ...form({ _csrf: sessions.ana.csrf, action }), headers: { ...form({}).headers, cookie: sessions.ana.cookie } });
        // Said on the page of the incident the address names (post/redirect/get).
        const landed = await landOnRefusal(app.app, sessions.ana, res);
        expect(landed.refusal.status, `${action} through ${other}`).toBe(404);
        expect(landed.location).toBe(`/incidents/${other}#refused`);
        expect(landed.body).toContain(`<strong>${action === 'finish' ? 'Finish' : 'Cancel'} execution</strong> was refused: ${running} is not an execution of incident ${other}`);
      }
      expect((await d.executions!.get(running)).state).toBe('running');
      // Through its own incident's address it finishes.
      const res = await app.app.inject({ method: 'POST', url: `/incidents/${incidentId}/executions/${running}`, ...form({ _csrf: sessions.ana.csrf, action: 'finish' }), headers: { ...form({}).headers, cookie: sessions.ana.cookie } });
      expect(res.statusCode).toBe(303);
      expect((await d.executions!.get(running)).state).not.toBe('running');
    }, 120_000);

    /** A form post over loopback with `who`'s session cookie and CSRF token; redirects are not followed. */
    const post = async (who: keyof typeof sessions, url: string, fields: Record<string, string>) => {
      const res = await fetch(`${base}${url}`, {
        method: 'POST',
        headers: { cookie: sessions[who].cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: sessions[who].csrf, ...fields }).toString(),
        redirect: 'manual',
      });
      return { status: res.status, location: res.headers.get('location') ?? '', body: await res.text(), setCookie: res.headers.getSetCookie() };
    };
    /** The page a refused form's redirect leads to, loaded with the refusal it carries (post/redirect/get). */
    const refusedPage = async (who: keyof typeof sessions, res: Awaited<ReturnType<typeof post>>) => {
      expect(res.status, res.body.slice(0, 300)).toBe(303);
      const carried = carriedRefusal(res.setCookie);
      expect(carried, `a refusal carried to ${res.location}`).toBeDefined();
      expect(carried!.path).toBe(res.location.split(/[?#]/)[0]);
      const page = await fetch(`${base}${res.location.split('#')[0]}`, { headers: { cookie: `${sessions[who].cookie}; ${carried!.cookie}` }, redirect: 'manual' });
      return { ...carried!, status: page.status, body: await page.text() };
    };
    /** The Finish and Cancel form of an execution's page, when it has one: where it posts. */
    const controls = (body: string): string | undefined => /<form class="exec-controls" method="post" action="([^"]+)">/.exec(body)?.[1];

    it('finishes and cancels an execution without an incident from its own page', async () => {
      const svc = app.daemon.executions!;
      for (const [action, expected] of [['finish', 'incomplete'], ['cancel', 'cancelled']] as const) {
        // bob's team owns no service of orders: he may change it, as on an incident page.
        const id = (await svc.start(PROCEDURE, ana, { service: 'orders' })).id;
        expect((await svc.runStep(id, 1, ana)).status).toBe('ok');
        const before = await open('bob', `/executions/${id}`);
        expect(before.status).toBe(200);
        const target = controls(before.body);
        expect(target, 'the page has Finish and Cancel').toBe(`/executions/${id}`);
        expect(before.body).toContain('value="finish">Finish execution</button>');
        expect(before.body).toContain('value="cancel"');
        expect(before.body).toContain(`name="_csrf" value="${sessions.bob.csrf}"`);
        const res = await post('bob', target!, { action });
        expect(res.status, `${action}: ${res.body.slice(0, 300)}`).toBe(303);
        expect(res.location).toBe(`/executions/${id}`);
        expect((await svc.get(id)).state).toBe(expected);
        const after = await open('bob', res.location);
        expect(after.body).toContain(`data-execution-state="${expected}"`);
        expect(controls(after.body), 'a finished execution has no buttons').toBeUndefined();
      }
    }, 120_000);

    it('gives a viewer and a person of another team that restricts writes no buttons, and refuses their posts', async () => {
      const svc = app.daemon.executions!;
      const orders = (await svc.start(PROCEDURE, ana, { service: 'orders' })).id;
      const viewerPage = await open('vi', `/executions/${orders}`);
      expect(viewerPage.status).toBe(200);
      expect(controls(viewerPage.body)).toBeUndefined();
      const viewer = await refusedPage('vi', await post('vi', `/executions/${orders}`, { action: 'finish' }));
      expect(viewer.refusal.status).toBe(403);
      expect(viewer.body).toContain('<strong>Finish execution</strong> was refused: This needs the responder role (responder or admin); vi is a viewer.');
      // payExec belongs to the payments team, which restricts writes to its members.
      expect(controls((await open('bob', `/executions/${payExec}`)).body)).toBeUndefined();
      for (const action of ['finish', 'cancel']) {
        const res = await refusedPage('bob', await post('bob', `/executions/${payExec}`, { action }));
        expect(res.refusal.status, action).toBe(403);
        expect(res.status).toBe(200);
        expect(res.body).toContain(`<strong>${action === 'finish' ? 'Finish' : 'Cancel'} execution</strong> was refused: service pay belongs to team payments, which restricts changes to its members`);
      }
      expect((await svc.get(payExec)).state).toBe('running');
      expect((await svc.get(orders)).state).toBe('running');
      // cy, of the payments team, has the buttons; an action that is neither is refused naming the field.
      expect(controls((await open('cy', `/executions/${payExec}`)).body)).toBe(`/executions/${payExec}`);
      const neither = await refusedPage('cy', await post('cy', `/executions/${payExec}`, { action: 'pause' }));
      expect(neither.refusal).toMatchObject({ status: 400, field: 'action' });
      expect(neither.body).toContain('<strong>That action</strong> was refused: choose Finish or Cancel');
      await svc.cancel(orders, ana);
    }, 120_000);

    it('answers a Finish or Cancel of a finished execution with its page, saying who finished it and when, as the API refuses it', async () => {
      expect(controls((await open('ana', `/executions/${lone}`)).body)).toBeUndefined();
      const token = (await apiTokens(app.daemon, 'ana', ['ana'])).ana!;
      for (const action of ['finish', 'cancel']) {
        const res = await post('ana', `/executions/${lone}`, { action });
        expect(res.status, action).toBe(303);
        expect(res.location).toBe(`/executions/${lone}?refused=${action}`);
        const landed = await open('ana', res.location);
        expect(landed.status).toBe(200);
        const pressed = action === 'finish' ? 'Finish' : 'Cancel';
        expect(landed.body).toMatch(new RegExp(`id="execution-refused">${pressed} changed nothing: this execution had already ended — ana finished it at <time datetime="[^"]+">[^<]+ UTC</time>; it is <strong>passed</strong>`));
        const api = await fetch(`${base}/api/executions/${lone}/${action}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
        expect(api.status).toBe(409);
        expect(((await api.json()) as { error: { message: string } }).error.message).toBe(`execution ${lone} is passed`);
      }
      // The note is only for an execution that has ended: a running one's page shows none.
      const running = (await app.daemon.executions!.start(PROCEDURE, ana, { service: 'orders' })).id;
      expect((await open('ana', `/executions/${running}?refused=finish`)).body).not.toContain('execution-refused');
      await app.daemon.executions!.cancel(running, ana);
      // One that does not exist: its page says so (and offers the list).
      const missing = await refusedPage('ana', await post('ana', '/executions/exe_does_not_exist', { action: 'finish' }));
      expect(missing.refusal.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(missing.body).toContain('No execution <code>exe_does_not_exist</code>.');
      expect((await app.daemon.executions!.get(lone)).state).toBe('passed');
    });

    it('lets one of a Finish and a Cancel posted at once end a running execution, and refuses the other', async () => {
      const d = app.daemon;
      for (let round = 0; round < 3; round++) {
        const id = (await d.executions!.start(PROCEDURE, ana, { incidentId })).id;
        // The incident page's Finish and the execution page's Cancel, pressed by two people at once.
        const [finish, cancel] = await Promise.all([
          post('ana', `/incidents/${incidentId}/executions/${id}`, { action: 'finish' }),
          post('bob', `/executions/${id}`, { action: 'cancel' }),
        ]);
        // Both lead to the execution; the one that came second says it changed nothing.
        expect([finish.status, cancel.status], `round ${round}: ${finish.body.slice(0, 200)} | ${cancel.body.slice(0, 200)}`).toEqual([303, 303]);
        const refused = [finish.location, cancel.location].filter((l) => l.includes('?refused='));
        expect(refused, `round ${round}: ${finish.location} | ${cancel.location}`).toHaveLength(1);
        const state = (await d.executions!.get(id)).state;
        expect(state).toBe(refused[0] === `/executions/${id}?refused=cancel` ? 'incomplete' : 'cancelled');
        const endings = (await d.operations!.incidents.timeline(incidentId)).filter((t) => t.data.executionId === id && (t.text.startsWith('cancelled') || t.text.startsWith(`execution ${id}`)));
        expect(endings.map((t) => t.text), 'one ending on the timeline').toHaveLength(1);
      }
    }, 120_000);

    it('links the incident timeline’s lines that name an execution to its page', async () => {
      const res = await open('ana', `/incidents/${incidentId}`);
      expect(res.status).toBe(200);
      const timeline = res.body.slice(res.body.indexOf('id="h-timeline"'), res.body.indexOf('</section>', res.body.indexOf('id="h-timeline"')));
      // Started as, and finished: the oldest execution, which the executions panel no longer shows.
      expect(timeline).toContain(`as execution <a href="/executions/${oldest}">${oldest}</a>`);
      expect(timeline).toContain(`execution <a href="/executions/${oldest}">${oldest}</a> of ${PROCEDURE}`);
      const linked = await open('ana', `/executions/${oldest}`);
      expect(linked.status).toBe(200);
      expect(linked.body).toContain(`<code>${oldest}</code>`);
    });
  });
}
