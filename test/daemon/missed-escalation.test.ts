/**
 * A triggered incident whose escalation could not start is paged without a restart. Two openings
 * start their escalation in a transaction of their own after the incident's commit when the first
 * try fails: an incident opened by a person, and an alert group's new incident whose start under
 * the group's savepoint failed (it falls back to a start after the commit, which fails too). While
 * the escalations table refuses rows both incidents are recorded unpaged; once it takes rows again
 * the daemon finds them on its own (no restart) and pages each once. Likewise an incident
 * acknowledged while its escalation's stop cannot be written: its escalation is stopped before a
 * later step pages; a re-opened incident whose stopped escalation could not start again has it
 * started; and a failing channel's incident, whose other channels are told with its escalation's
 * start, is not left unstarted by a broadcast committed alone. The fault is real SQL: a
 * trigger that refuses rows of the escalations table, dropped afterwards. One daemon on a simulated
 * clock, on SQLite and PostgreSQL.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { refusedWebhookChannel } from '../support/ops-yaml.js';
import { scaled } from '../support/timing.js';
import { refuseWrites } from '../support/store-faults.js';

const pgAvailable = await postgresUp();
const KEY = 'k'.repeat(40);
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

for (const target of storeTargets('opsbook-missed-escalation', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`a triggered incident whose escalation could not start, on ${target.name}`, () => {
    const daemon = simulatedDaemon(target, 'missed-escalation', (url) =>
      `storage:\n  url: "${url}"\n` +
      `integrations:\n  - { id: prom, kind: alertmanager, key: ${KEY} }\n` +
      `channels:\n${refusedWebhookChannel()}` +
      `escalation_policies:\n  - id: default\n    steps:\n      - { targets: [{ channel: hook }], timeout: 1h }\n      - { targets: [{ channel: hook }], timeout: 1h }\n`,
    );
    const { clock, ops, runFor } = daemon;

    it('pages the manual incident and the alert group\'s incident once the escalations table takes rows again', async () => {
      const { server } = daemon;
      const db = server.daemon.store.db;
      await runFor(60_000);
      const state = async (id: string) => {
        const incident = await db.selectFrom('incidents').select('state').where('id', '=', id).executeTakeFirstOrThrow();
        const escalations = await db.selectFrom('escalations').select('incident_id').where('incident_id', '=', id).execute();
        const pages = await db.selectFrom('outbox').select('id').where('incident_id', '=', id).where('event', '=', 'incident.triggered').execute();
        return { state: incident.state, escalations: escalations.length, pages: pages.length };
      };

      const heal = await refuseWrites(db, target.name, 'escalations');
      let manual: string;
      let grouped: string;
      try {
        // A person opens a P1: the incident is recorded, and the person answered with it, whether
        // or not its page can be written now (the old daemon answered with the escalation's error).
        manual = (await ops().createIncident({ title: 'Checkout down', severity: 'P1', service: 'shop' }, ana)).id;
        const res = await server.app.inject({
          method: 'POST',
          url: '/api/ingest/alertmanager',
          headers: { authorization: `Bearer ${KEY}` },
          payload: {
            version: '4', status: 'firing', receiver: 'opsbook', groupKey: 'g', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am',
            alerts: [{ status: 'firing', labels: { alertname: 'Disk full', severity: 'critical' }, annotations: { summary: 'Disk full' }, startsAt: new Date(clock.now()).toISOString(), fingerprint: 'disk' }],
          },
        });
        expect(res.statusCode).toBe(200);
        grouped = (res.json() as { incidents: string[] }).incidents[0]!;
        await ops().settle(scaled(5_000));
        expect(await state(manual)).toEqual({ state: 'triggered', escalations: 0, pages: 0 });
        expect(await state(grouped)).toEqual({ state: 'triggered', escalations: 0, pages: 0 });
        // Still refused a while later: nothing is paged, and nothing spins (one error a minute at most).
        const logger = server.daemon.logger;
        const errors: string[] = [];
        const error = logger.error.bind(logger);
        logger.error = ((obj: unknown, msg?: string) => {
          if (typeof msg === 'string') errors.push(msg);
          return error(obj as object, msg);
        }) as typeof logger.error;
        try {
          await runFor(3 * 60_000);
        } finally {
          logger.error = error;
        }
        const unpaged = errors.filter((m) => m.includes('still unpaged'));
        expect(unpaged.length).toBeGreaterThanOrEqual(1);
        expect(unpaged.length).toBeLessThanOrEqual(4);
        expect(await state(manual)).toEqual({ state: 'triggered', escalations: 0, pages: 0 });
        expect(await state(grouped)).toEqual({ state: 'triggered', escalations: 0, pages: 0 });
      } finally {
        await heal();
      }
      // The fault is gone: within a few minutes both are paged, without a restart, once each.
      await runFor(5 * 60_000);
      expect(await state(manual)).toEqual({ state: 'triggered', escalations: 1, pages: 1 });
      expect(await state(grouped)).toEqual({ state: 'triggered', escalations: 1, pages: 1 });
      await runFor(10 * 60_000);
      expect(await state(manual)).toEqual({ state: 'triggered', escalations: 1, pages: 1 });
      expect(await state(grouped)).toEqual({ state: 'triggered', escalations: 1, pages: 1 });
    }, scaled(120_000));

    it('stops the escalation of an incident acknowledged while its escalation could not be written: no later step pages', async () => {
      const { server } = daemon;
      const db = server.daemon.store.db;
      const incident = await ops().createIncident({ title: 'Search slow', severity: 'P1', service: 'search' }, ana);
      const pages = async () => (await db.selectFrom('outbox').select('event').where('incident_id', '=', incident.id).where('event', 'in', ['incident.triggered', 'incident.escalated']).execute()).length;
      const status = async () => (await db.selectFrom('escalations').select('status').where('incident_id', '=', incident.id).executeTakeFirstOrThrow()).status;
      expect({ pages: await pages(), status: await status() }).toEqual({ pages: 1, status: 'active' });
      await runFor(60_000);
      const heal = await refuseWrites(db, target.name, 'escalations');
      try {
        // The acknowledgement is recorded, and the person answered with it, whether or not the
        // escalation's stop can be written now (the old daemon answered with the stop's error, and
        // a second try found the incident acknowledged and did nothing).
        expect((await ops().act(incident.id, 'acknowledge', ana)).state).toBe('acknowledged');
      } finally {
        await heal();
      }
      // Past the first step's timeout: the second step pages nobody for an acknowledged incident.
      await runFor(70 * 60_000);
      expect({ pages: await pages(), status: await status() }).toEqual({ pages: 1, status: 'acknowledged' });
    }, scaled(120_000));

    it('tells the channel already paged of an acknowledgement whose status update could not be written, once the outbox takes it again', async () => {
      const { server } = daemon;
      const db = server.daemon.store.db;
      const incident = await ops().createIncident({ title: 'Queue stuck', severity: 'P1', service: 'queue' }, ana);
      const told = async () => (await db.selectFrom('outbox').select('id').where('incident_id', '=', incident.id).where('event', '=', 'incident.acknowledged').execute()).length;
      const status = async () => (await db.selectFrom('escalations').select('status').where('incident_id', '=', incident.id).executeTakeFirstOrThrow()).status;
      // The page was attempted (port 9 refuses it): the channel heard of the incident, so it hears of its acknowledgement.
      await runFor(60_000);
      const heal = await refuseWrites(db, target.name, 'outbox', { when: "new.event = 'incident.acknowledged'", message: 'injected: status updates refused' });
      try {
        expect((await ops().act(incident.id, 'acknowledge', ana)).state).toBe('acknowledged');
        expect(await told()).toBe(0);
      } finally {
        await heal();
      }
      // Within the next looks the channel is told, once; the escalation is stopped.
      await runFor(3 * 60_000);
      expect({ told: await told(), status: await status() }).toEqual({ told: 1, status: 'acknowledged' });
      await runFor(70 * 60_000);
      expect({ told: await told(), status: await status() }).toEqual({ told: 1, status: 'acknowledged' });
    }, scaled(120_000));

    it('starts again the escalation of a re-opened incident that could not start it, once the escalations table takes rows again', async () => {
      const { server } = daemon;
      const db = server.daemon.store.db;
      const send = async (status: 'firing' | 'resolved') => {
        const res = await server.app.inject({
          method: 'POST',
          url: '/api/ingest/alertmanager',
          headers: { authorization: `Bearer ${KEY}` },
          payload: {
            version: '4', status, receiver: 'opsbook', groupKey: 'g2', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am',
            alerts: [{ status, labels: { alertname: 'API down', severity: 'critical' }, annotations: { summary: 'API down' }, startsAt: new Date(clock.now()).toISOString(), fingerprint: 'api' }],
          },
        });
        expect(res.statusCode).toBe(200);
        await ops().settle(scaled(5_000));
        return (res.json() as { incidents: string[] }).incidents[0];
      };
      const id = (await send('firing'))!;
      const state = async () => {
        const incident = await db.selectFrom('incidents').select(['state', 'reopened']).where('id', '=', id).executeTakeFirstOrThrow();
        const escalation = await db.selectFrom('escalations').select('status').where('incident_id', '=', id).executeTakeFirstOrThrow();
        // A re-opening tells the channels already paged (as without a fault); its escalation's later steps page on.
        const told = await db.selectFrom('outbox').select('id').where('incident_id', '=', id).where('event', '=', 'incident.reopened').execute();
        return { state: incident.state, reopened: incident.reopened, escalation: escalation.status, told: told.length };
      };
      expect(await state()).toEqual({ state: 'triggered', reopened: 0, escalation: 'active', told: 0 });
      await send('resolved');
      await runFor(60_000);
      expect(await state()).toMatchObject({ state: 'resolved', escalation: 'resolved' });
      const heal = await refuseWrites(db, target.name, 'escalations');
      try {
        await send('firing');
        await runFor(3 * 60_000);
        expect(await state()).toMatchObject({ state: 'triggered', reopened: 1, escalation: 'resolved' });
      } finally {
        await heal();
      }
      await runFor(5 * 60_000);
      expect(await state()).toEqual({ state: 'triggered', reopened: 1, escalation: 'active', told: 1 });
      // Its next step pages at its timeout, as a re-opened incident's escalation does.
      const escalated = async () => (await db.selectFrom('outbox').select('id').where('incident_id', '=', id).where('event', '=', 'incident.escalated').execute()).length;
      expect(await escalated()).toBe(0);
      await runFor(60 * 60_000);
      expect(await escalated()).toBe(1);
      expect(await state()).toEqual({ state: 'triggered', reopened: 1, escalation: 'active', told: 1 });
    }, scaled(120_000));

    it('starts the escalation of a failing channel\'s incident whose start failed after the other channels were told, once the escalations table takes rows again', async () => {
      const db = daemon.server.daemon.store.db;
      const heal = await refuseWrites(db, target.name, 'escalations');
      let id: string;
      const state = async () => {
        const escalations = await db.selectFrom('escalations').select('status').where('incident_id', '=', id).execute();
        const told = await db.selectFrom('outbox').select('id').where('incident_id', '=', id).where('event', '=', 'incident.triggered').execute();
        return { escalation: escalations[0]?.status ?? 'none', told: told.length };
      };
      try {
        // A failing channel's incident (its pages avoid that channel): every other channel is told, and its escalation starts.
        id = (await ops().createIncident({ title: 'Channel pager failing', severity: 'P1', labels: { opsbook_failing_channel: 'pager' } }, ana)).id;
        await runFor(3 * 60_000);
        // Neither is written while the escalation cannot be: the look finds an incident nobody was told of.
        expect(await state()).toEqual({ escalation: 'none', told: 0 });
      } finally {
        await heal();
      }
      await runFor(3 * 60_000);
      // Told once (the broadcast and the step-1 page share the hook: two rows), the escalation running.
      expect(await state()).toEqual({ escalation: 'active', told: 2 });
      await runFor(10 * 60_000);
      expect(await state()).toEqual({ escalation: 'active', told: 2 });
    }, scaled(120_000));

    it.runIf(target.name === 'postgres')('commits a person\'s incident with its escalation: not visible while the escalation waits for a lock', async () => {
      const other = new pg.Client({ connectionString: daemon.url });
      await other.connect();
      try {
        await other.query('begin');
        await other.query('lock table escalations in exclusive mode');
        const opened = ops().createIncident({ title: 'Payments down', severity: 'P1', service: 'pay' }, ana);
        // Deterministic: wait until the opening (or, on the old daemon, its escalation after it) waits for the lock.
        const until = Date.now() + scaled(20_000);
        for (;;) {
          const waiting = await other.query("select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'escalations' and not l.granted");
          if ((waiting.rows[0] as { n: number }).n > 0) break;
          if (Date.now() > until) throw new Error('the opening never waited for the escalations lock');
          await new Promise((r) => setTimeout(r, 20));
        }
        const visible = await other.query("select count(*)::int as n from incidents where title = 'Payments down'");
        expect((visible.rows[0] as { n: number }).n).toBe(0);
        await other.query('commit');
        const incident = await opened;
        const paged = await other.query("select count(*)::int as n from outbox where incident_id = $1 and event = 'incident.triggered'", [incident.id]);
        expect((paged.rows[0] as { n: number }).n).toBe(1);
      } finally {
        await other.query('rollback').catch(() => undefined);
        await other.end();
      }
    }, scaled(60_000));
  });
}
