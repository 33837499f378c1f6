/**
 * Status updates to the channels already paged commit with the escalation change that causes them,
 * and an update that could not be written is sent by the once-a-minute look for missed pages: the
 * "resolved" of an incident resolved by its alerts after someone acknowledged it, the "reopened"
 * of an incident re-opened by its alert, and the "severity_raised" of a worse alert joining. The
 * fault is real SQL (a trigger refusing that update's outbox rows), dropped afterwards; before, the
 * update was written after the incident's commit, alone, and never tried again. A re-opened
 * incident's escalation pages its first step again, under keys of its own. An exhausted
 * escalation is resolved with its incident (the look then leaves it alone), and its channels hear
 * of an acknowledgement. One daemon on a simulated clock, on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { refuseWrites } from '../support/store-faults.js';
import { scaled } from '../support/timing.js';

const pgAvailable = await postgresUp();
const KEY = 'k'.repeat(40);
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

for (const target of storeTargets('opsbook-status-updates', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`status updates to the channels already paged, on ${target.name}`, () => {
    let server: DaemonApp;
    let cleanup: (() => Promise<void>) | undefined;
    const t0 = Math.floor(Date.now() / 60_000) * 60_000;
    const clock = new SimulatedClock(t0);
    const ops = () => server.daemon.operations!;
    const db = () => server.daemon.store.db;
    const runFor = async (ms: number) => {
      await clock.advance(ms, () => ops().settle(scaled(5_000)));
      await ops().settle(scaled(5_000));
    };
    /** One Alertmanager notification of one alert; the incident it touched. */
    const send = async (status: 'firing' | 'resolved', name: string, severity: string, service: string, policy?: string) => {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/ingest/alertmanager',
        headers: { authorization: `Bearer ${KEY}` },
        payload: {
          version: '4', status, receiver: 'opsbook', groupKey: 'g', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am',
          alerts: [{ status, labels: { alertname: name, severity, service, ...(policy ? { escalation_policy: policy } : {}) }, annotations: { summary: name }, startsAt: new Date(clock.now()).toISOString(), fingerprint: name }],
        },
      });
      expect(res.statusCode, res.body).toBe(200);
      await ops().settle(scaled(5_000));
    };
    const incidentOf = async (service: string) => db().selectFrom('incidents').selectAll().where('service', '=', service).executeTakeFirstOrThrow();
    const rows = async (incidentId: string, event: string) => db().selectFrom('outbox').select(['id', 'dedup_key', 'payload']).where('incident_id', '=', incidentId).where('event', '=', event).orderBy('created_at').execute();
    const told = async (incidentId: string, event: string) => (await rows(incidentId, event)).length;
    const escalation = async (incidentId: string) => (await db().selectFrom('escalations').select('status').where('incident_id', '=', incidentId).executeTakeFirstOrThrow()).status;

    beforeAll(async () => {
      const store = await target.open();
      cleanup = store.cleanup;
      server = await startDaemonApp('status-updates', {
        'ops.yaml':
          `storage:\n  url: "${store.url}"\n` +
          `integrations:\n  - { id: prom, kind: alertmanager, key: ${KEY} }\n` +
          `services:\n  - { id: shop }\n  - { id: queue }\n  - { id: disk }\n  - { id: api }\n  - { id: cache }\n  - { id: search }\n` +
          // Port 9 (discard) refuses: every message stays in the outbox, retrying, which is all this test reads.
          `channels:\n  - { id: hook, kind: webhook, url: "http://127.0.0.1:9/hook", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }\n` +
          `escalation_policies:\n  - id: default\n    steps:\n      - { targets: [{ channel: hook }], timeout: 1h }\n      - { targets: [{ channel: hook }], timeout: 1h }\n` +
          // The same two steps with short timeouts, for the escalations that must run out (fewer minutes to simulate).
          `  - id: brief\n    steps:\n      - { targets: [{ channel: hook }], timeout: 5m }\n      - { targets: [{ channel: hook }], timeout: 5m }\n`,
      }, { clock });
    }, scaled(60_000));

    afterAll(async () => {
      await server?.close();
      await cleanup?.();
    }, scaled(60_000));

    it('tells the channel already paged that an acknowledged incident resolved, once the outbox takes the update again', async () => {
      await send('firing', 'Checkout down', 'P1', 'shop');
      const incident = await incidentOf('shop');
      // The page was attempted (port 9 refuses it): the channel heard of the incident.
      await runFor(60_000);
      expect((await ops().act(incident.id, 'acknowledge', ana)).state).toBe('acknowledged');
      expect(await told(incident.id, 'incident.acknowledged')).toBe(1);
      const heal = await refuseWrites(db(), target.name, 'outbox', { when: "new.event = 'incident.resolved'", name: 'refuse_resolved' });
      try {
        // The alerts resolve the incident: the update cannot be written now.
        await send('resolved', 'Checkout down', 'P1', 'shop');
        expect((await incidentOf('shop')).state).toBe('resolved');
        expect(await told(incident.id, 'incident.resolved')).toBe(0);
      } finally {
        await heal();
      }
      // Within the next looks the channel is told, once.
      await runFor(3 * 60_000);
      expect({ told: await told(incident.id, 'incident.resolved'), escalation: await escalation(incident.id) }).toEqual({ told: 1, escalation: 'resolved' });
      await runFor(30 * 60_000);
      expect(await told(incident.id, 'incident.resolved')).toBe(1);
    }, scaled(120_000));

    it('tells the channel already paged that its incident re-opened, once the outbox takes the update again, and pages the new opening under keys of its own', async () => {
      await send('firing', 'Queue stuck', 'P1', 'queue');
      const incident = await incidentOf('queue');
      await runFor(60_000);
      await send('resolved', 'Queue stuck', 'P1', 'queue');
      expect(await told(incident.id, 'incident.resolved')).toBe(1);
      await runFor(5 * 60_000);
      const heal = await refuseWrites(db(), target.name, 'outbox', { when: "new.event = 'incident.reopened'", name: 'refuse_reopened' });
      try {
        await send('firing', 'Queue stuck', 'P1', 'queue');
        expect((await incidentOf('queue'))).toMatchObject({ state: 'triggered', reopened: 1 });
        expect(await told(incident.id, 'incident.reopened')).toBe(0);
      } finally {
        await heal();
      }
      await runFor(3 * 60_000);
      expect({ told: await told(incident.id, 'incident.reopened'), escalation: await escalation(incident.id) }).toEqual({ told: 1, escalation: 'active' });
      // The re-opening's escalation paged its first step: a message of its own, for the new opening.
      const pages = await rows(incident.id, 'incident.triggered');
      expect(pages.map((p) => (JSON.parse(p.payload) as { incidentEpoch?: number }).incidentEpoch ?? 0)).toEqual([0, 1]);
      expect(new Set(pages.map((p) => p.dedup_key)).size).toBe(2);
      await runFor(30 * 60_000);
      expect({ told: await told(incident.id, 'incident.reopened'), pages: await told(incident.id, 'incident.triggered') }).toEqual({ told: 1, pages: 2 });
    }, scaled(120_000));

    it('pages a re-opened incident\'s first step again, as its first opening\'s', async () => {
      await send('firing', 'Disk full', 'P1', 'disk');
      const incident = await incidentOf('disk');
      await runFor(60_000);
      await send('resolved', 'Disk full', 'P1', 'disk');
      await runFor(60_000);
      await send('firing', 'Disk full', 'P1', 'disk');
      expect(await incidentOf('disk')).toMatchObject({ state: 'triggered', reopened: 1 });
      const pages = await rows(incident.id, 'incident.triggered');
      expect(pages.map((p) => (JSON.parse(p.payload) as { incidentEpoch?: number }).incidentEpoch ?? 0)).toEqual([0, 1]);
      // Its second step pages at its timeout, once, as the first opening's would have.
      await runFor(61 * 60_000);
      expect(await told(incident.id, 'incident.escalated')).toBe(1);
    }, scaled(120_000));

    it('tells the channel already paged that a worse alert raised the severity, once the outbox takes the update again', async () => {
      await send('firing', 'API slow', 'P3', 'api');
      const incident = await incidentOf('api');
      await runFor(60_000);
      const heal = await refuseWrites(db(), target.name, 'outbox', { when: "new.event = 'incident.severity_raised'", name: 'refuse_raised' });
      try {
        // A P1 of the same service joins (grouped): the severity is raised, the update cannot be written now.
        await send('firing', 'API down', 'P1', 'api');
        expect((await incidentOf('api')).severity).toBe('P1');
        expect(await told(incident.id, 'incident.severity_raised')).toBe(0);
      } finally {
        await heal();
      }
      await runFor(3 * 60_000);
      expect(await told(incident.id, 'incident.severity_raised')).toBe(1);
      const state = JSON.parse((await db().selectFrom('escalations').select('state').where('incident_id', '=', incident.id).executeTakeFirstOrThrow()).state) as { severity?: string };
      expect(state.severity).toBe('P1');
      await runFor(10 * 60_000);
      expect(await told(incident.id, 'incident.severity_raised')).toBe(1);
    }, scaled(120_000));

    it('resolves an exhausted escalation with its incident, which the look then leaves alone', async () => {
      await send('firing', 'Cache cold', 'P1', 'cache', 'brief');
      const incident = await incidentOf('cache');
      // Both steps time out unanswered: the escalation runs out.
      await runFor(11 * 60_000);
      expect(await escalation(incident.id)).toBe('exhausted');
      await send('resolved', 'Cache cold', 'P1', 'cache', 'brief');
      expect(await told(incident.id, 'incident.resolved')).toBe(1);
      const logger = server.daemon.logger;
      const warned: string[] = [];
      const warn = logger.warn.bind(logger);
      logger.warn = ((obj: unknown, msg?: string) => {
        if (typeof msg === 'string') warned.push(msg);
        return warn(obj as object, msg);
      }) as typeof logger.warn;
      try {
        await runFor(5 * 60_000);
      } finally {
        logger.warn = warn;
      }
      // Before, an exhausted escalation kept its status and every look took it for one still paging.
      expect({ escalation: await escalation(incident.id), looked: warned.filter((m) => m.startsWith('answered incidents')).length }).toEqual({ escalation: 'resolved', looked: 0 });
      expect(await told(incident.id, 'incident.resolved')).toBe(1);
    }, scaled(120_000));

    it('tells the channel an exhausted escalation paged that its incident was acknowledged', async () => {
      await send('firing', 'Search down', 'P1', 'search', 'brief');
      const incident = await incidentOf('search');
      await runFor(11 * 60_000);
      expect(await escalation(incident.id)).toBe('exhausted');
      expect((await ops().act(incident.id, 'acknowledge', ana)).state).toBe('acknowledged');
      // Every step paged the channel: it hears of the acknowledgement as it would have before the last timeout.
      expect({ told: await told(incident.id, 'incident.acknowledged'), escalation: await escalation(incident.id) }).toEqual({ told: 1, escalation: 'acknowledged' });
      await runFor(5 * 60_000);
      expect(await told(incident.id, 'incident.acknowledged')).toBe(1);
    }, scaled(120_000));
  });
}
