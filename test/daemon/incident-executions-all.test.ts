/**
 * An incident with more runbook executions and delivery attempts than a page shows, on SQLite and
 * PostgreSQL: the post-incident review lists every step of every execution (not the newest 100),
 * running a step finds the execution of that procedure still running however many newer ones the
 * incident has (not a second one started beside it), and the incident page shows a bounded list of
 * executions and of deliveries, the incident list a page of incidents and the overview the newest 200
 * open ones, each saying how many it left out and linking to the rest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webAuthFor } from '../../src/http/sessions/index.js';
import { setUserPassword } from '../../src/http/sessions/index.js';
import { listExecutions } from '../../src/executions/index.js';
import { OPEN_STATES } from '../../src/incidents/index.js';
import { countIncidents } from '../../src/store/index.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { form, PASSWORD, signIn, TEST_COST, type SignedIn } from '../ui/support.js';

const pgAvailable = await postgresUp();
const ana = { name: 'ana', role: 'admin' as const, via: 'session' as const };
const PROCEDURE = 'runbooks/orders.md#RB-001';
/** More than a page of the old default (100). */
const FINISHED = 130;
const DELIVERIES = 130;

for (const target of storeTargets('opsbook-incident-executions-all', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`an incident with ${FINISHED} executions, on ${target.name}`, () => {
    let app: DaemonApp;
    let cleanup: (() => Promise<void>) | undefined;
    let session: SignedIn;
    let incidentId: string;
    let running: string;

    beforeAll(async () => {
      const opened = await target.open();
      cleanup = opened.cleanup;
      app = await startDaemonApp(
        `incident-executions-all-${target.name}`,
        {
          'runbooks/orders.md': '# Orders\n\n## RB-001: Orders down\n\n**Diagnosis:**\n\n1. Look\n\n```bash\necho looked\n```\n',
          'ops.yaml': `storage:\n  url: "${opened.url}"\nusers:\n  - { name: ana, role: admin }\nservices:\n  - { id: orders, shell: { allow: [echo] } }\nrunbooks: [runbooks/*.md]\nstatus_page:\n  title: Orders status\n  publish: manual\n  services: [{ service: orders, name: Orders }]\n`,
        },
        { beforeServer: (daemon) => webAuthFor(daemon) },
      );
      const d = app.daemon;
      await setUserPassword({ store: d.store, clock: d.clock, users: d.config.users }, { name: 'ana', role: 'admin', via: 'cli' }, 'ana', PASSWORD, TEST_COST);
      session = await signIn(app.app, 'ana');
      incidentId = (await d.operations!.createIncident({ title: 'orders down for long', severity: 'P2', service: 'orders', runbook: PROCEDURE }, ana)).id;
      // The oldest execution stays running; the newer ones each ran their step and finished.
      running = (await d.executions!.start(PROCEDURE, ana, { incidentId })).id;
      for (let i = 0; i < FINISHED; i++) {
        const { id } = await d.executions!.start(PROCEDURE, ana, { incidentId });
        expect((await d.executions!.runStep(id, 1, ana)).status).toBe('ok');
        await d.executions!.finish(id, ana);
      }
      const at = d.clock.now();
      await d.store.db
        .insertInto('deliveries')
        .values(Array.from({ length: DELIVERIES }, (_, i) => ({ id: `dlv_${String(i).padStart(4, '0')}`, outbox_id: 'obx_1', channel_id: `hook-${i}`, incident_id: incidentId, attempt: i + 1, at: at + i, outcome: 'retry', status_code: 503, error: null, detail: null, duration_ms: 1 })))
        .execute();
    }, 180_000);

    afterAll(async () => {
      await app?.close();
      await cleanup?.();
    });

    it('lists every execution of the incident when asked for all of them, newest first', async () => {
      const all = await listExecutions(app.daemon.store, { incidentId });
      expect(all).toHaveLength(FINISHED + 1);
      expect(all.at(-1)!.id).toBe(running);
      expect(new Set(all.map((e) => e.id)).size).toBe(FINISHED + 1);
    });

    it('puts the step of every execution in the post-incident review', async () => {
      const res = await app.app.inject({ url: `/incidents/${incidentId}/review?draft=1`, headers: { cookie: session.cookie } });
      expect(res.statusCode).toBe(200);
      expect(res.body.match(/### runbooks\/orders\.md#RB-001 — step 1\.1/g) ?? []).toHaveLength(FINISHED);
    });

    it('runs the step in the execution still running, older than the newest 100', async () => {
      const before = (await listExecutions(app.daemon.store, { incidentId })).length;
      const res = await app.app.inject({ method: 'POST', url: `/incidents/${incidentId}/run`, ...form({ _csrf: session.csrf, procedure: PROCEDURE, step: '1' }), headers: { ...form({}).headers, cookie: session.cookie } });
      expect(res.statusCode).toBe(303);
      // Older than the newest 100 the incident page shows: the answer leads to its own page.
      expect(res.headers.location).toBe(`/executions/${running}`);
      expect((await listExecutions(app.daemon.store, { incidentId })).length).toBe(before);
      expect((await app.daemon.executions!.transcript(running)).filter((t) => t.kind === 'command')).toHaveLength(1);
    });

    it('shows the newest executions on the incident page and says how many it left out, with a link to them', async () => {
      const res = await app.app.inject({ url: `/incidents/${incidentId}`, headers: { cookie: session.cookie } });
      expect(res.statusCode).toBe(200);
      const shown = res.body.match(/<article class="execution" id="exec-/g) ?? [];
      expect(shown.length).toBeLessThan(FINISHED + 1);
      const note = /(\d+) older executions? not shown[^<]*<a href="([^"]+)"/.exec(res.body);
      expect(note, 'a note of the executions left out').not.toBeNull();
      expect(Number(note![1])).toBe(FINISHED + 1 - shown.length);
      // The link lists the ones left out, the running one among them.
      const rest = await app.app.inject({ url: note![2]!.replace(/&amp;/g, '&'), headers: { cookie: session.cookie } });
      expect(rest.statusCode).toBe(200);
      expect(rest.body).toContain(running);
    });

    it('says on the incident page how many delivery attempts it did not show, and shows the latest', async () => {
      const res = await app.app.inject({ url: `/incidents/${incidentId}`, headers: { cookie: session.cookie } });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(`Deliveries (${DELIVERIES})`);
      const rows = res.body.match(/<td>hook-\d+<\/td>/g) ?? [];
      expect(rows.length).toBeLessThan(DELIVERIES);
      // The latest attempt is among those shown; the note counts the rest and links to the full log.
      expect(res.body).toContain(`<td>hook-${DELIVERIES - 1}</td>`);
      const note = /(\d+) earlier delivery attempts? not shown[^<]*<a href="([^"]+)"/.exec(res.body);
      expect(note, 'a note of the deliveries left out').not.toBeNull();
      expect(Number(note![1])).toBe(DELIVERIES - rows.length);
      // The log it links to lists every attempt, the earliest among them.
      const log = await app.app.inject({ url: note![2]!, headers: { cookie: session.cookie } });
      expect(log.statusCode).toBe(200);
      expect(log.body).toContain(`Attempts 1–${DELIVERIES} of ${DELIVERIES}`);
      expect(log.body.match(/<td>hook-\d+<\/td>/g) ?? []).toHaveLength(DELIVERIES);
      expect(log.body).toContain('<td>hook-0</td>');
    });

    it('lists incidents a page at a time, saying how many older ones a page left out and linking to them', async () => {
      const d = app.daemon;
      // 105 in all: a page of 100 and 5 older.
      for (let i = await countIncidents(d.store.db); i < 105; i++) await d.operations!.createIncident({ title: `another incident ${i}`, severity: 'P4', service: 'orders' }, ana);
      const first = await app.app.inject({ url: '/incidents', headers: { cookie: session.cookie } });
      expect(first.statusCode).toBe(200);
      expect(first.body).not.toContain(`/incidents/${incidentId}"`);
      const note = /(\d+) older incidents? not shown[^<]*<a href="([^"]+)"/.exec(first.body);
      expect(note, 'a note of the incidents left out').not.toBeNull();
      expect(Number(note![1])).toBe(5);
      const older = await app.app.inject({ url: note![2]!.replace(/&amp;/g, '&'), headers: { cookie: session.cookie } });
      expect(older.statusCode).toBe(200);
      expect(older.body).toContain(`/incidents/${incidentId}"`);
      expect(older.body.match(/<tr><th scope="row"><a href="\/incidents\//g) ?? []).toHaveLength(5);
      expect(older.body).not.toContain('older incident');
    });

    it('says on the overview how many open incidents past the newest 200 it did not list', async () => {
      const d = app.daemon;
      // 210 open incidents: the overview lists 200.
      for (let i = await countIncidents(d.store.db, { state: OPEN_STATES }); i < 210; i++) await d.operations!.createIncident({ title: `yet another incident ${i}`, severity: 'P4', service: 'orders' }, ana);
      const res = await app.app.inject({ url: '/', headers: { cookie: session.cookie } });
      expect(res.statusCode).toBe(200);
      expect(res.body.match(/<li><a href="\/incidents\/inc_/g) ?? []).toHaveLength(200);
      const note = /(\d+) older open incidents? not shown here: <a href="([^"]+)"/.exec(res.body);
      expect(note, 'a note of the open incidents left out').not.toBeNull();
      expect(Number(note![1])).toBe(10);
      expect(note![2]).toBe('/incidents?state=open');
      const open = await app.app.inject({ url: note![2]!, headers: { cookie: session.cookie } });
      expect(open.statusCode).toBe(200);
      expect(open.body).toContain('Showing open incidents only');
      expect(open.body).not.toMatch(/<td>(resolved|reviewed)<\/td>/);
    });

    it('offers every open incident of a public service for the status page, the oldest too', async () => {
      const d = app.daemon;
      for (let i = await countIncidents(d.store.db, { state: OPEN_STATES }); i < 210; i++) await d.operations!.createIncident({ title: `one more incident ${i}`, severity: 'P4', service: 'orders' }, ana);
      const publish = await app.app.inject({ url: '/status/publish', headers: { cookie: session.cookie } });
      expect(publish.statusCode).toBe(200);
      expect(publish.body).toContain(`action="/status/publish/${incidentId}"`);
    });

    it('pages the delivery log, and refuses a page start that is not a count, naming it', async () => {
      const later = await app.app.inject({ url: `/incidents/${incidentId}/deliveries?from=120`, headers: { cookie: session.cookie } });
      expect(later.statusCode).toBe(200);
      expect(later.body).toContain(`Attempts 121–${DELIVERIES} of ${DELIVERIES}`);
      expect(later.body.match(/<td>hook-\d+<\/td>/g) ?? []).toHaveLength(DELIVERIES - 120);
      const bad = await app.app.inject({ url: `/incidents/${incidentId}/deliveries?from=-3`, headers: { cookie: session.cookie } });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('from= in the address must be a whole number');
    });
  });
}
