/**
 * An incident says what is wrong now: a worse alert joining raises the severity and gives the
 * incident its title ("API down", not the "API slow" that opened it), everywhere the title is read —
 * the channels' "severity raised" update, the API, the incident page, the overview and the review —
 * while a title a person wrote (opening the incident by hand, or setting it since) stays theirs. One daemon on a simulated
 * clock, its alerts through the Alertmanager webhook, on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { eventHeadline } from '../../src/notify/channels/shared/wording.js';
import type { Notification } from '../../src/notify/index.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { scaled } from '../support/timing.js';
import { pageAs, signIn, startUi, type SignedIn, type UiHarness } from '../ui/support.js';

const pgAvailable = await postgresUp();
const KEY = 'k'.repeat(40);

for (const target of storeTargets('opsbook-incident-title', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`the title of an incident whose severity a worse alert raised, on ${target.name}`, () => {
    let ui: UiHarness;
    let cleanup: (() => Promise<void>) | undefined;
    let viewer: SignedIn;
    const clock = new SimulatedClock(Math.floor(Date.now() / 60_000) * 60_000);
    const ops = () => ui.daemon.operations!;
    const db = () => ui.daemon.store.db;
    const send = async (name: string, severity: string, service: string) => {
      const res = await ui.app.inject({
        method: 'POST', url: '/api/ingest/alertmanager', headers: { authorization: `Bearer ${KEY}` },
        payload: {
          version: '4', status: 'firing', receiver: 'opsbook', groupKey: 'g', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am',
          alerts: [{ status: 'firing', labels: { alertname: name, severity, service }, annotations: { summary: name }, startsAt: new Date(clock.now()).toISOString(), fingerprint: name }],
        },
      });
      expect(res.statusCode, res.body).toBe(200);
      await ops().settle(scaled(5_000));
    };
    const incidentOf = async (service: string) => db().selectFrom('incidents').selectAll().where('service', '=', service).executeTakeFirstOrThrow();

    beforeAll(async () => {
      const store = await target.open();
      cleanup = store.cleanup;
      ui = await startUi({
        operations: true,
        clock,
        yaml:
          `storage:\n  url: "${store.url}"\n` +
          `integrations:\n  - { id: prom, kind: alertmanager, key: ${KEY} }\n` +
          `services:\n  - { id: api }\n  - { id: shop }\n  - { id: cart }\n` +
          // Port 9 (discard) refuses: every message stays in the outbox, which is all this test reads.
          `channels:\n  - { id: hook, kind: webhook, url: "http://127.0.0.1:9/hook", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }\n` +
          `escalation_policies:\n  - id: default\n    steps:\n      - { targets: [{ channel: hook }], timeout: 1h }\n`,
      });
      viewer = await signIn(ui.app, 'viewer-user');
    }, scaled(60_000));

    afterAll(async () => {
      await ui?.close();
      await cleanup?.();
    }, scaled(60_000));

    it('takes the worse alert\'s title, and every place that shows or sends the title says it', async () => {
      await send('API slow', 'P3', 'api');
      const { id } = await incidentOf('api');
      await clock.advance(60_000, () => ops().settle(scaled(5_000)));
      await send('API down', 'P1', 'api');
      expect(await incidentOf('api')).toMatchObject({ id, severity: 'P1', title: 'API down' });

      // The channel paged for the opening hears of the raise under the new title.
      const raised = await db().selectFrom('outbox').select('payload').where('incident_id', '=', id).where('event', '=', 'incident.severity_raised').execute();
      expect(raised).toHaveLength(1);
      const update = JSON.parse(raised[0]!.payload) as Notification;
      expect(update.incident).toMatchObject({ title: 'API down', severity: 'P1' });
      expect(eventHeadline(update)).toBe('[P1] Severity raised: API down');

      const api = await ui.app.inject({ url: `/api/incidents/${id}`, headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf } });
      expect(api.statusCode, api.body).toBe(200);
      expect((JSON.parse(api.body) as { title: string }).title).toBe('API down');
      const page = await pageAs(ui.app, viewer, `/incidents/${id}`);
      expect(page).toContain('API down');
      expect(page).toContain('severity raised P3 → P1 by &quot;API down&quot;; title was &quot;API slow&quot;');
      expect(await pageAs(ui.app, viewer, '/')).toMatch(new RegExp(`href="/incidents/${id}">API down</a>`));
      expect(await pageAs(ui.app, viewer, `/incidents/${id}/review`)).toContain('# Post-incident review: API down');
    }, scaled(120_000));

    it('keeps the title of an incident a person opened by hand', async () => {
      const responder = await signIn(ui.app, 'responder-user');
      const res = await ui.app.inject({
        method: 'POST', url: '/api/incidents', headers: { cookie: responder.cookie, 'x-csrf-token': responder.csrf },
        payload: { title: 'Checkout failing for customers', severity: 'P3', service: 'shop' },
      });
      expect(res.statusCode, res.body).toBe(201);
      await ops().settle(scaled(5_000));
      await send('Shop down', 'P1', 'shop');
      expect(await incidentOf('shop')).toMatchObject({ severity: 'P1', title: 'Checkout failing for customers' });
    }, scaled(120_000));

    it('keeps a title a person set through the API, and refuses an empty one with its path', async () => {
      await send('Cart slow', 'P3', 'cart');
      const { id } = await incidentOf('cart');
      const responder = await signIn(ui.app, 'responder-user');
      const headers = { cookie: responder.cookie, 'x-csrf-token': responder.csrf };
      const empty = await ui.app.inject({ method: 'POST', url: `/api/incidents/${id}/title`, headers, payload: { title: '' } });
      expect(empty.statusCode).toBe(400);
      expect(empty.body).toContain('title');
      const res = await ui.app.inject({ method: 'POST', url: `/api/incidents/${id}/title`, headers, payload: { title: 'Checkout cannot add items' } });
      expect(res.statusCode, res.body).toBe(200);
      expect((JSON.parse(res.body) as { title: string }).title).toBe('Checkout cannot add items');
      await clock.advance(60_000, () => ops().settle(scaled(5_000)));
      await send('Cart down', 'P1', 'cart');
      expect(await incidentOf('cart')).toMatchObject({ id, severity: 'P1', title: 'Checkout cannot add items' });
    }, scaled(120_000));
  });
}
