/**
 * A silence stored before opsbook refused silences that take in too much (a `team=""` silence, made
 * by an older version) still applies: opsbook never changes a stored silence behind its author's
 * back. It says so instead, everywhere a silence is seen: a warning in the log and in readiness at
 * start and at each reload, the `warning` of `GET /api/silences` and of Alertmanager's silences API,
 * the Maintenance page, and the page of an incident whose pages it holds. On SQLite and PostgreSQL,
 * the row written straight into the store as the older version wrote it.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/daemon/index.js';
import { webAuthFor } from '../../src/http/sessions/index.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { findSilence, insertSilence, openStore } from '../../src/store/index.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { pageAs, signIn } from '../ui/support.js';
import { setUserPassword } from '../../src/http/sessions/index.js';
import { PASSWORD, TEST_COST } from '../ui/support.js';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 11, 7, 9);
const pg = await postgresUp();

/** The matchers column as opsbook wrote it before the rule: `team=""` holds every incident without a team label. */
const BROAD = JSON.stringify({ matchers: [{ label: 'team', op: '=', value: '' }], onEnd: 'notify_if_firing' });
const NARROW = JSON.stringify({ matchers: [{ label: 'service', op: '=', value: 'db' }], onEnd: 'notify_if_firing' });
const P3 = JSON.stringify({ matchers: [{ label: 'severity', op: '=', value: 'P3' }], onEnd: 'notify_if_firing' });

for (const target of storeTargets('opsbook-stored-broad-silence', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pg)(`a stored silence that takes in too much, on ${target.name}`, () => {
    let db: { url: string; cleanup: () => Promise<void> };
    let server: DaemonApp;
    let token: Record<string, string>;
    let lines = '';
    const clock = new SimulatedClock(START);

    beforeAll(async () => {
      db = await target.open();
      const store = await openStore({ url: db.url });
      try {
        for (const [id, matchers] of [['sil_old_team', BROAD], ['sil_old_db', NARROW]] as const) {
          await insertSilence(store.db, { id, matchers, starts_at: START - HOUR, ends_at: START + 24 * HOUR, created_by: 'ana', created_at: START - HOUR, comment: 'db migration', expired_at: null });
        }
        // Older than the others, so it holds a P3 incident first; expired, the broad one holds it on.
        await insertSilence(store.db, { id: 'sil_p3', matchers: P3, starts_at: START - 2 * HOUR, ends_at: START + 24 * HOUR, created_by: 'ana', created_at: START - 2 * HOUR, comment: 'quiet P3s', expired_at: null });
      } finally {
        await store.close();
      }
      const destination = new PassThrough();
      destination.on('data', (c: Buffer) => (lines += c.toString()));
      server = await startDaemonApp(
        'stored-broad-silence',
        {
          'ops.yaml': `storage:\n  url: ${JSON.stringify(db.url)}\nusers:\n  - { name: ana, role: responder }\n  - { name: adm, role: admin }\nservices:\n  - { id: web }\n  - { id: db }\n  - { id: cache }\n`
            + `maintenance:\n  - { id: cache-move, services: [cache], start: "${new Date(START - HOUR).toISOString()}", end: "${new Date(START + 2 * HOUR).toISOString()}", comment: moving the cache }\n`,
        },
        { clock, logger: createLogger({ level: 'info', destination }), beforeServer: (daemon) => webAuthFor(daemon) },
      );
      token = await apiTokens(server.daemon, 'adm', ['ana', 'adm']);
      await setUserPassword({ store: server.daemon.store, clock, users: server.daemon.config.users }, { name: 'adm', role: 'admin', via: 'cli' }, 'ana', PASSWORD, TEST_COST);
    });
    afterAll(async () => {
      await server?.close();
      await db?.cleanup();
    });

    const get = async (url: string) => {
      const res = await server.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token.ana}` } });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as unknown;
    };
    /** The log lines warning of `id`. */
    const warned = (id: string) => lines.split('\n').filter((l) => l.includes('"level":40') && l.includes(id));

    it('warns in the log at start, naming the silence, what it takes in and how to narrow it', () => {
      const [line] = warned('sil_old_team');
      expect(line, lines).toBeDefined();
      expect(line).toMatch(/team=\\"\\" matches every incident without a \\"team\\" label/);
      expect(line).toMatch(/create a silence with a matcher that names a value/);
      expect(warned('sil_old_db')).toEqual([]);
    });

    it('says so in readiness, which stays ready (the silence is in force, opsbook is not broken)', async () => {
      const res = await server.app.inject({ method: 'GET', url: '/_health/ready' });
      expect(res.statusCode, res.body).toBe(200);
      const checks = (res.json() as { checks: Record<string, { status: string; detail?: string }> }).checks;
      expect(checks.silences).toMatchObject({ status: 'ok' });
      expect(checks.silences!.detail).toMatch(/1 stored silence takes in more than opsbook accepts now: sil_old_team/);
    });

    it('lists it with its warning in GET /api/silences and in Alertmanager\'s API', async () => {
      const { silences } = (await get('/api/silences')) as { silences: Array<{ id: string; warning?: string; matchers: unknown }> };
      const old = silences.find((s) => s.id === 'sil_old_team');
      expect(old?.warning).toMatch(/team="" matches every incident without a "team" label/);
      expect(old?.matchers).toEqual([{ label: 'team', op: '=', value: '' }]);
      expect(silences.find((s) => s.id === 'sil_old_db')?.warning).toBeUndefined();
      const am = (await get('/api/v2/silences')) as Array<{ id: string; warning?: string }>;
      expect(am.find((s) => s.id === 'sil_old_team')?.warning).toMatch(/takes in more than opsbook accepts now/);
      expect(am.find((s) => s.id === 'sil_old_db')?.warning).toBeUndefined();
      expect(((await get('/api/v2/silence/sil_old_team')) as { warning?: string }).warning).toMatch(/takes in more than opsbook accepts now/);
    });

    it('shows it on the Maintenance page and on the page of an incident it holds, still holding it', async () => {
      const ana = await signIn(server.app, 'ana');
      const maintenance = await pageAs(server.app, ana, '/maintenance');
      expect(maintenance).toMatch(/team=&quot;&quot; matches every incident without a &quot;team&quot; label/);
      const res = await server.app.inject({ method: 'POST', url: '/api/incidents', headers: { authorization: `Bearer ${token.ana}` }, payload: { title: 'web is down', severity: 'P1', service: 'web' } });
      expect(res.statusCode, res.body).toBe(201);
      const id = (res.json() as { id: string }).id;
      await server.daemon.operations!.settle(10_000);
      const incident = (await get(`/api/incidents/${id}`)) as { heldBy?: { id: string } };
      expect(incident.heldBy?.id).toBe('sil_old_team');
      const html = await pageAs(server.app, ana, `/incidents/${id}`);
      expect(html).toMatch(/held by silence <a href="\/maintenance#h-silences">sil_old_team<\/a>/);
      expect(html).toMatch(/team=&quot;&quot; matches every incident without a &quot;team&quot; label/);
    });

    it('says on an incident\'s page what holds its pages when nothing is wrong with it: a maintenance window, until when, what then, why', async () => {
      const ana = await signIn(server.app, 'ana');
      const res = await server.app.inject({ method: 'POST', url: '/api/incidents', headers: { authorization: `Bearer ${token.ana}` }, payload: { title: 'cache misses', severity: 'P2', service: 'cache' } });
      expect(res.statusCode, res.body).toBe(201);
      const id = (res.json() as { id: string }).id;
      await server.daemon.operations!.settle(10_000);
      expect(((await get(`/api/incidents/${id}`)) as { heldBy?: { id: string } }).heldBy?.id).toBe('cache-move');
      const html = await pageAs(server.app, ana, `/incidents/${id}`);
      expect(html).toMatch(/<li class="held" id="held-by">Pages held by maintenance window <a href="\/maintenance#h-windows">cache-move<\/a> until <time datetime="[^"]+">[^<]+<\/time> \(at its end: sent if still firing\) — moving the cache\.<\/li>/);
      // The lists say it too: whoever scans them sees why nobody was paged for it.
      const mark = /<span class="held-mark">pages held by maintenance window cache-move until <time datetime="[^"]+">[^<]+<\/time><\/span>/;
      const row = new RegExp(`<tr><th scope="row"><a href="/incidents/${id}">cache misses</a></th>.*?</tr>`).exec(await pageAs(server.app, ana, '/incidents'))?.[0];
      expect(row).toMatch(mark);
      const item = new RegExp(`<li><a href="/incidents/${id}">cache misses</a>.*?</li>`).exec(await pageAs(server.app, ana, '/'))?.[0];
      expect(item).toMatch(mark);
    });

    it('says in the incident API and on the hold\'s timeline line that the silence holding its pages takes in too much', async () => {
      const res = await server.app.inject({ method: 'POST', url: '/api/incidents', headers: { authorization: `Bearer ${token.ana}` }, payload: { title: 'checkout is slow', severity: 'P2', service: 'web' } });
      expect(res.statusCode, res.body).toBe(201);
      const id = (res.json() as { id: string }).id;
      await server.daemon.operations!.settle(10_000);
      const incident = (await get(`/api/incidents/${id}`)) as { heldBy?: { kind: string; id: string; warning?: string } };
      expect(incident.heldBy).toMatchObject({ kind: 'silence', id: 'sil_old_team' });
      expect(incident.heldBy?.warning).toMatch(/^takes in more than opsbook accepts now .*team="" matches every incident without a "team" label/);
      const listed = (await get('/api/incidents?state=triggered')) as { incidents: Array<{ id: string; heldBy?: { warning?: string } }> };
      expect(listed.incidents.find((i) => i.id === id)?.heldBy?.warning).toBe(incident.heldBy?.warning);
      const { timeline } = (await get(`/api/incidents/${id}/timeline`)) as { timeline: Array<{ kind: string; text: string; data: Record<string, unknown> }> };
      const hold = timeline.find((e) => e.kind === 'suppressed');
      expect(hold?.text).toMatch(/^notification held by silence sil_old_team until .*; that silence takes in more than opsbook accepts now .*team="" matches every incident without a "team" label/);
      expect(hold?.data.warning).toBe(incident.heldBy?.warning);
    });

    it('says it on the line of a hold passed on to it when the silence that held the pages first is expired', async () => {
      const res = await server.app.inject({ method: 'POST', url: '/api/incidents', headers: { authorization: `Bearer ${token.ana}` }, payload: { title: 'search is stale', severity: 'P3', service: 'web' } });
      expect(res.statusCode, res.body).toBe(201);
      const id = (res.json() as { id: string }).id;
      await server.daemon.operations!.settle(10_000);
      const first = (await get(`/api/incidents/${id}`)) as { heldBy?: { id: string; warning?: string } };
      expect(first.heldBy?.id).toBe('sil_p3');
      expect(first.heldBy?.warning).toBeUndefined();
      const expired = await server.app.inject({ method: 'DELETE', url: '/api/silences/sil_p3', headers: { authorization: `Bearer ${token.ana}` } });
      expect(expired.statusCode, expired.body).toBe(200);
      await server.daemon.operations!.settle(10_000);
      const next = (await get(`/api/incidents/${id}`)) as { heldBy?: { id: string; warning?: string } };
      expect(next.heldBy?.id).toBe('sil_old_team');
      expect(next.heldBy?.warning).toMatch(/team="" matches every incident without a "team" label/);
      const { timeline } = (await get(`/api/incidents/${id}/timeline`)) as { timeline: Array<{ kind: string; text: string; data: Record<string, unknown> }> };
      const passed = timeline.find((e) => e.kind === 'suppressed' && e.text.includes('still held by'));
      expect(passed?.text).toMatch(/^silence sil_p3 ended; still held by silence sil_old_team; that silence takes in more than opsbook accepts now /);
      expect(passed?.data.warning).toBe(next.heldBy?.warning);
    });

    it('says it for a hold recorded before holds carried the warning, reading it from the silence', async () => {
      const res = await server.app.inject({ method: 'POST', url: '/api/incidents', headers: { authorization: `Bearer ${token.ana}` }, payload: { title: 'mail is late', severity: 'P4', service: 'web' } });
      expect(res.statusCode, res.body).toBe(201);
      const id = (res.json() as { id: string }).id;
      await server.daemon.operations!.settle(10_000);
      // The hold as an older opsbook recorded it: the silence's id, no warning.
      const older = { kind: 'silence', id: 'sil_old_team', until: START + 24 * HOUR, onEnd: 'notify_if_firing', comment: 'db migration' };
      await server.daemon.store.db.updateTable('incidents').set({ held_notification: JSON.stringify(older) }).where('id', '=', id).execute();
      const incident = (await get(`/api/incidents/${id}`)) as { heldBy?: { id: string; warning?: string } };
      expect(incident.heldBy?.id).toBe('sil_old_team');
      expect(incident.heldBy?.warning).toMatch(/team="" matches every incident without a "team" label/);
      const listed = (await get('/api/incidents?severity=P4')) as { incidents: Array<{ id: string; heldBy?: { warning?: string } }> };
      expect(listed.incidents.find((i) => i.id === id)?.heldBy?.warning).toBe(incident.heldBy?.warning);
    });

    it('warns again at a reload, and leaves the stored silence as it was', async () => {
      const before = warned('sil_old_team').length;
      expect(await server.daemon.reload()).toBe(true);
      expect(warned('sil_old_team').length).toBe(before + 1);
      expect((await findSilence(server.daemon.store.db, 'sil_old_team'))?.matchers).toBe(BROAD);
    });
  });
}
