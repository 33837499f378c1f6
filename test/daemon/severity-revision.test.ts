/**
 * A person raises an incident's severity while its escalation's revision cannot be written: the
 * escalation never goes on paging on the old severity's timings. The change and the revision commit
 * together — refused together, the person is answered with the error and a second try makes both
 * (the old daemon committed the change, failed the revision after it, and a second try found the
 * severity changed and revised nothing: a P1 paged on P3 timings); a step the raise makes due pages
 * in that transaction. An incident a worse alert joined while its revision could not be written has
 * its escalation revised by the once-a-minute look. The fault is real SQL: a trigger
 * that refuses updates of the escalations table, dropped afterwards. One daemon on a simulated
 * clock, on SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { refusedWebhookChannel } from '../support/ops-yaml.js';
import { refuseWrites } from '../support/store-faults.js';
import { scaled } from '../support/timing.js';

const pgAvailable = await postgresUp();
const KEY = 'k'.repeat(40);
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

for (const target of storeTargets('opsbook-severity-revision', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`a severity change whose escalation revision could not be written, on ${target.name}`, () => {
    const daemon = simulatedDaemon(target, 'severity-revision', (url) =>
      `storage:\n  url: "${url}"\n` +
      `integrations:\n  - { id: prom, kind: alertmanager, key: ${KEY} }\n` +
      `channels:\n${refusedWebhookChannel()}${refusedWebhookChannel('pager')}` +
      // A P1 reaches the pager 10 minutes after opening; a P3 never does.
      `escalation_policies:\n  - id: default\n    steps:\n      - { targets: [{ channel: hook }], timeout: 2h }\n      - { targets: [{ channel: pager }], after_open: 10m, severities: [P1] }\n`,
    );
    const { clock, ops, runFor } = daemon;

    it('revises, within minutes of the end of the fault, the escalation of an incident a worse alert joined while its revision could not be written', async () => {
      const { server } = daemon;
      const db = server.daemon.store.db;
      const send = async (name: string, severity: string) => {
        const res = await server.app.inject({
          method: 'POST',
          url: '/api/ingest/alertmanager',
          headers: { authorization: `Bearer ${KEY}` },
          payload: {
            version: '4', status: 'firing', receiver: 'opsbook', groupKey: name, groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am',
            alerts: [{ status: 'firing', labels: { alertname: name, severity, service: 'api' }, annotations: { summary: name }, startsAt: new Date(clock.now()).toISOString(), fingerprint: name }],
          },
        });
        expect(res.statusCode).toBe(200);
        await ops().settle(scaled(5_000));
        return (res.json() as { incidents: string[] }).incidents[0]!;
      };
      const id = await send('API slow', 'P3');
      const incidentSeverity = async () => (await db.selectFrom('incidents').select('severity').where('id', '=', id).executeTakeFirstOrThrow()).severity;
      const escalationSeverity = async () => (JSON.parse((await db.selectFrom('escalations').select('state').where('incident_id', '=', id).executeTakeFirstOrThrow()).state) as { severity?: string }).severity;
      const pagerPages = async () => (await db.selectFrom('outbox').select('id').where('incident_id', '=', id).where('channel_id', '=', 'pager').execute()).length;
      expect(await escalationSeverity()).toBe('P3');
      const heal = await refuseWrites(db, target.name, 'escalations', { on: 'update', message: 'injected: escalation updates refused' });
      try {
        // A worse alert joins: the incident is P1 (the alerts are recorded whatever its escalation).
        expect(await send('API down', 'P1')).toBe(id);
        expect(await incidentSeverity()).toBe('P1');
        expect(await escalationSeverity()).toBe('P3');
      } finally {
        await heal();
      }
      // Within the next looks for missed pages the escalation follows the P1: its pager step pages
      // ten minutes after the opening (on P3 timings it never would).
      await runFor(3 * 60_000);
      expect.soft(await escalationSeverity()).toBe('P1');
      await runFor(8 * 60_000);
      expect(await pagerPages()).toBe(1);
    }, scaled(120_000));

    it('pages a raised incident on the new severity\'s timings once the person tries again', async () => {
      const { server } = daemon;
      const db = server.daemon.store.db;
      const incident = await ops().createIncident({ title: 'Checkout slow', severity: 'P3', service: 'shop' }, ana);
      const pagerPages = async () => (await db.selectFrom('outbox').select('id').where('incident_id', '=', incident.id).where('channel_id', '=', 'pager').execute()).length;
      const escalationSeverity = async () => (JSON.parse((await db.selectFrom('escalations').select('state').where('incident_id', '=', incident.id).executeTakeFirstOrThrow()).state) as { severity?: string }).severity;
      expect(await escalationSeverity()).toBe('P3');
      await runFor(60_000);

      const heal = await refuseWrites(db, target.name, 'escalations', { on: 'update', message: 'injected: escalation updates refused' });
      try {
        // The revision cannot be written: the person is told so.
        await expect(ops().changeSeverity(incident.id, 'P1', ana, 'checkout is down for everyone')).rejects.toThrow(/injected/);
        // Nothing changed: the incident stays P3 (its escalation with it) until the change can be made whole.
        expect((await db.selectFrom('incidents').select('severity').where('id', '=', incident.id).executeTakeFirstOrThrow()).severity).toBe('P3');
      } finally {
        await heal();
      }
      // The person tries again, as the error asks.
      expect((await ops().changeSeverity(incident.id, 'P1', ana, 'checkout is down for everyone')).severity).toBe('P1');
      expect.soft(await escalationSeverity()).toBe('P1');
      // Ten minutes after opening, the P1's pager step pages (on P3 timings it never would).
      await runFor(10 * 60_000);
      expect(await pagerPages()).toBe(1);
      // One change recorded: the refused one left no line.
      const lines = await db.selectFrom('incident_timeline').select('text').where('incident_id', '=', incident.id).where('text', 'like', 'severity P3%').execute();
      expect(lines).toHaveLength(1);
    }, scaled(120_000));

    it('pages a step the raise makes due at once in the change\'s own transaction', async () => {
      const { server } = daemon;
      const db = server.daemon.store.db;
      const incident = await ops().createIncident({ title: 'Login slow', severity: 'P3', service: 'login' }, ana);
      const pagerPages = async () => (await db.selectFrom('outbox').select('id').where('incident_id', '=', incident.id).where('channel_id', '=', 'pager').execute()).length;
      await runFor(11 * 60_000);
      expect(await pagerPages()).toBe(0);
      // The P1's pager step was due 10 minutes after opening: raised at 11, it pages with the change.
      expect((await ops().changeSeverity(incident.id, 'P1', ana)).severity).toBe('P1');
      expect(await pagerPages()).toBe(1);
    }, scaled(120_000));
  });
}
