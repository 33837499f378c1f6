/**
 * An escalation counts from where the incident's response clock started: its opening, the release of
 * a page a maintenance window held back, or its re-opening. Its start, a severity change's revision,
 * the incident page and the review all count from the same instant. Before, a raise after a held
 * page's release counted a timed step (`after_open`) from the opening inside the window, so it paged
 * at once, while the escalation's own start counted from the release; and a re-opening's escalation
 * counted timed steps from the first opening, so a manager's step paged the moment the incident
 * re-opened, and the page and review counted the time to acknowledge from the first opening.
 * One daemon on a simulated clock per suite, on SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { simulatedDaemon, type SimulatedDaemon } from '../support/simulated-daemon.js';
import { maintenanceWindow, refusedWebhookChannel } from '../support/ops-yaml.js';
import { scaled } from '../support/timing.js';
import { incidentHeader } from '../../src/http/ui/pages/incident-view.js';
import { incidentFromRow } from '../../src/incidents/index.js';

const pgAvailable = await postgresUp();
const MIN = 60_000;
const WINDOW = 120 * MIN;
const KEY = 'k'.repeat(40);
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

/** A chain step paging `hook` every hour, and a timed step paging `mgr` 30 min into an incident (P1 only, or every severity). */
const policy = (p1Only: boolean) =>
  `escalation_policies:\n  - id: default\n    steps:\n      - { targets: [{ channel: hook }], timeout: 1h }\n` +
  `      - { targets: [{ channel: mgr }], after_open: 30m${p1Only ? ', severities: [P1]' : ''} }\n`;

/** The pages the manager's timed step wrote for an incident (not status updates), as outbox rows' creation times. */
async function managerPages(daemon: SimulatedDaemon, incidentId: string): Promise<number[]> {
  const rows = await daemon.server.daemon.store.db.selectFrom('outbox').select('created_at').where('incident_id', '=', incidentId).where('channel_id', '=', 'mgr').where('event', '=', 'incident.escalated').orderBy('created_at').execute();
  return rows.map((r) => Number(r.created_at));
}

for (const target of storeTargets('opsbook-escalation-clock', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`an escalation's clock after a held page's release, on ${target.name}`, () => {
    const daemon = simulatedDaemon(target, 'esc-clock-held', (url, t0) =>
      `storage:\n  url: "${url}"\n` + `channels:\n${refusedWebhookChannel()}${refusedWebhookChannel('mgr')}` + policy(true) + maintenanceWindow('upgrade', t0, t0 + WINDOW),
    );
    const { ops, runFor } = daemon;

    it('counts a step a raise adds from the release, as the escalation\'s start did', async () => {
      const db = daemon.server.daemon.store.db;
      await runFor(MIN);
      const incident = await ops().createIncident({ title: 'Checkout down', severity: 'P2', service: 'shop' }, ana);
      await runFor(WINDOW + MIN);
      const release = await db.selectFrom('incident_timeline').select('at').where('incident_id', '=', incident.id).where('text', 'like', '%notifying now%').executeTakeFirst();
      expect(release, 'the window released the page').toBeDefined();
      const releasedAt = Number(release!.at);

      // Raised to P1 five minutes after the release: the manager's step (P1 only) joins the escalation,
      // due 30 min into it. The opening was more than two hours ago, inside the window.
      await runFor(5 * MIN);
      await ops().changeSeverity(incident.id, 'P1', ana);
      await runFor(MIN);
      expect(await managerPages(daemon, incident.id), 'not paged at the raise: 30 min count from the release').toEqual([]);
      await daemon.runTo(releasedAt + 30 * MIN);
      expect(await managerPages(daemon, incident.id)).toEqual([releasedAt + 30 * MIN]);
    }, scaled(120_000));
  });

  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`an escalation's clock after a re-opening, on ${target.name}`, () => {
    const daemon = simulatedDaemon(target, 'esc-clock-reopen', (url) =>
      `storage:\n  url: "${url}"\n` + `integrations:\n  - { id: prom, kind: alertmanager, key: ${KEY} }\n` + `channels:\n${refusedWebhookChannel()}${refusedWebhookChannel('mgr')}` + policy(false),
    );
    const { clock, ops, runFor } = daemon;
    const send = async (status: 'firing' | 'resolved') => {
      const res = await daemon.server.app.inject({
        method: 'POST',
        url: '/api/ingest/alertmanager',
        headers: { authorization: `Bearer ${KEY}` },
        payload: {
          version: '4', status, receiver: 'opsbook', groupKey: 'g', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am',
          alerts: [{ status, labels: { alertname: 'API down', severity: 'critical' }, annotations: { summary: 'API down' }, startsAt: new Date(clock.now()).toISOString(), fingerprint: 'api' }],
        },
      });
      expect(res.statusCode).toBe(200);
      await ops().settle(scaled(5_000));
      return (res.json() as { incidents: string[] }).incidents[0];
    };

    it('counts timed steps, the time to acknowledge and the target from the re-opening', async () => {
      const db = daemon.server.daemon.store.db;
      await runFor(MIN);
      const id = (await send('firing'))!;
      // Resolved ten minutes in, before the manager's step; re-opened twenty minutes after that.
      await runFor(10 * MIN);
      await send('resolved');
      expect((await ops().incidents.get(id)).state).toBe('resolved');
      await runFor(20 * MIN);
      expect(await send('firing')).toBe(id);
      const reopenedAt = clock.now();
      const incident = await ops().incidents.get(id);
      expect({ state: incident.state, reopened: incident.reopened, responseFrom: incident.responseFrom }).toEqual({ state: 'triggered', reopened: 1, responseFrom: reopenedAt });

      // The first opening was 30 min ago: its manager step would be due already.
      await runFor(MIN);
      expect(await managerPages(daemon, id), 'not paged at the re-opening: 30 min count from it').toEqual([]);
      await daemon.runTo(reopenedAt + 30 * MIN);
      expect(await managerPages(daemon, id)).toEqual([reopenedAt + 30 * MIN]);

      // Acknowledged 35 min after the re-opening (65 min after the first opening): the page counts
      // from the re-opening, and names the severity's target as the config says it.
      await daemon.runTo(reopenedAt + 35 * MIN);
      await ops().act(id, 'acknowledge', ana);
      const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      const head = String(await incidentHeader(daemon.server.daemon, incidentFromRow(row)));
      expect(head).toContain('acknowledged after 35m');
      expect(head).toMatch(/\(target 15m\)/);
      expect(head).toContain('Response <strong>missed</strong> target');
    }, scaled(120_000));
  });
}
