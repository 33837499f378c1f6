/**
 * An incident whose response target passes while it is still triggered gets one timeline line,
 * dated at the due time: the responder reading it later, and the review, see when the target was
 * missed. None when someone acknowledged (or resolved) before; one per target when a severity
 * change moves the target later; one, dated at the due time, when opsbook was down as it passed.
 * One daemon on a simulated clock, on SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { minuteIso, refusedWebhookChannel } from '../support/ops-yaml.js';
import { scaled } from '../support/timing.js';
import { incidentHeader, timelinePanel } from '../../src/http/ui/pages/incident-view.js';
import { reviewDraft } from '../../src/daemon/operations/review-document.js';

const pgAvailable = await postgresUp();
const MINUTE = 60_000;
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };
const KEY = 'k'.repeat(40);
/** An instant as the timeline's text says it. */
const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

for (const target of storeTargets('opsbook-response-missed', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`the response target passing unacknowledged, on ${target.name}`, () => {
    // The default ladder: P1 15 min, P2 1 h, P3 4 h. One step whose timeout is far away.
    const daemon = simulatedDaemon(target, 'response-missed', (url, t0) =>
      `storage:\n  url: "${url}"\n` +
      `services:\n  - { id: batch }\n` +
      `integrations:\n  - { id: prom, kind: alertmanager, key: ${KEY} }\n` +
      // The first half hour, the batch service is in maintenance: its pages are held until it ends.
      `maintenance:\n  - { id: upgrade, start: "${minuteIso(t0)}", end: "${minuteIso(t0 + 30 * MINUTE)}", services: [batch] }\n` +
      `channels:\n${refusedWebhookChannel()}` +
      `escalation_policies:\n  - id: default\n    steps:\n      - { targets: [{ channel: hook }], timeout: 12h }\n`,
    );
    const { clock, ops, runFor } = daemon;
    const db = () => daemon.server.daemon.store.db;
    const missedLines = async (id: string) =>
      (await db().selectFrom('incident_timeline').select(['at', 'kind', 'text', 'data']).where('incident_id', '=', id).where('text', 'like', 'response target%missed%').orderBy('seq').execute()).map((l) => ({
        at: Number(l.at),
        kind: l.kind,
        text: l.text,
        data: JSON.parse(l.data) as Record<string, unknown>,
      }));

    // First: the window is the suite's first half hour.
    it('counts the target of a page a maintenance window held from its release, as its escalation does', async () => {
      const { server } = daemon;
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/ingest/alertmanager',
        headers: { authorization: `Bearer ${KEY}` },
        payload: {
          version: '4', status: 'firing', receiver: 'opsbook', groupKey: 'batch', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am',
          alerts: [{ status: 'firing', labels: { alertname: 'BatchStuck', severity: 'P1', service: 'batch' }, annotations: { summary: 'batch stuck' }, startsAt: new Date(clock.now()).toISOString(), fingerprint: 'batch' }],
        },
      });
      expect(res.statusCode).toBe(200);
      await ops().settle(scaled(5_000));
      const id = (res.json() as { incidents: string[] }).incidents[0]!;
      expect((await ops().incidents.get(id)).heldBy?.id).toBe('upgrade');
      // Released at minute 30: the 15 minutes count from there, not from the opening.
      await runFor(44 * MINUTE);
      expect(await missedLines(id)).toEqual([]);
      await runFor(2 * MINUTE);
      const lines = await missedLines(id);
      expect(lines.map((l) => l.at)).toEqual([daemon.t0 + 45 * MINUTE]);
      expect(lines[0]!.text).toBe(`response target 15m missed: not acknowledged by ${utc(daemon.t0 + 45 * MINUTE)}`);
      await ops().act(id, 'resolve', ana);
    }, scaled(120_000));

    it('writes one line at the due time when a P1 passes its 15 minutes unacknowledged', async () => {
      const incident = await ops().createIncident({ title: 'Checkout down', severity: 'P1', service: 'shop' }, ana);
      const due = incident.openedAt + 15 * MINUTE;
      expect(incident.responseDueAt).toBe(due);
      await runFor(14 * MINUTE);
      expect(await missedLines(incident.id)).toEqual([]);
      await runFor(20 * MINUTE);
      const lines = await missedLines(incident.id);
      expect(lines).toHaveLength(1);
      expect(lines[0]!.at).toBe(due);
      expect(lines[0]!.text).toBe(`response target 15m missed: not acknowledged by ${utc(due)}`);
      expect(lines[0]!.kind).toBe('escalation');
      expect(lines[0]!.data).toMatchObject({ responseDueAt: due, severity: 'P1' });
      // Later runs of the escalation (an hour on) write nothing more.
      await runFor(60 * MINUTE);
      expect(await missedLines(incident.id)).toHaveLength(1);

      // The incident page marks the target missed at the due time, and the line on its timeline.
      const app = daemon.server.daemon;
      const header = String(await incidentHeader(app, await ops().incidents.get(incident.id)));
      expect(header).toMatch(new RegExp(`<li class="due overdue response-missed">Response target <strong>missed</strong> at <time datetime="${new Date(due).toISOString()}">`));
      expect(String(await timelinePanel(app, incident.id))).toMatch(/<li class="tl tl-escalation tl-missed">.*response target 15m missed/);
      // The review lists the miss; the acknowledgement's verdict says it was missed.
      const review = await reviewDraft(app.store, app.config, ops().incidents, incident.id);
      expect(review).toContain(`- Response target of P1 missed at ${new Date(due).toISOString().replace('.000Z', 'Z')}: not acknowledged by then.`);
      expect(review).toMatch(/\| time to acknowledge \| — \| 15m, due \S+Z \(\*\*missed target\*\*: not acknowledged\) \|/);
      // Acknowledged late: still marked missed.
      await ops().act(incident.id, 'acknowledge', ana);
      expect(String(await incidentHeader(app, await ops().incidents.get(incident.id)))).toContain('<li class="response-missed">Response <strong>missed</strong> target: acknowledged after');
    }, scaled(120_000));

    it('writes nothing for an incident acknowledged before its target, nor one resolved before it', async () => {
      const acked = await ops().createIncident({ title: 'Login slow', severity: 'P1', service: 'login' }, ana);
      const resolved = await ops().createIncident({ title: 'Search slow', severity: 'P1', service: 'search' }, ana);
      await runFor(10 * MINUTE);
      await ops().act(acked.id, 'acknowledge', ana);
      await ops().act(resolved.id, 'resolve', ana);
      await runFor(30 * MINUTE);
      expect(await missedLines(acked.id)).toEqual([]);
      expect(await missedLines(resolved.id)).toEqual([]);
    }, scaled(120_000));

    it('writes a line for the new target when a severity change moves it, once per target', async () => {
      // A P3 (4 h) raised to P1 after 5 minutes: its target is 15 minutes after the opening.
      const incident = await ops().createIncident({ title: 'Payments slow', severity: 'P3', service: 'payments' }, ana);
      await runFor(5 * MINUTE);
      await ops().changeSeverity(incident.id, 'P1', ana);
      await runFor(15 * MINUTE);
      let lines = await missedLines(incident.id);
      expect(lines.map((l) => [l.at, l.data.severity, l.data.responseDueAt])).toEqual([[incident.openedAt + 15 * MINUTE, 'P1', incident.openedAt + 15 * MINUTE]]);
      // Lowered to P2 (1 h): a later target, missed again at the hour.
      await ops().changeSeverity(incident.id, 'P2', ana);
      await runFor(50 * MINUTE);
      lines = await missedLines(incident.id);
      expect(lines.map((l) => [l.at, l.data.severity])).toEqual([
        [incident.openedAt + 15 * MINUTE, 'P1'],
        [incident.openedAt + 60 * MINUTE, 'P2'],
      ]);
      expect(lines[1]!.text).toMatch(/^response target 1h missed: /);
      // Raised back to P1: its target was missed already; no second line for it.
      await ops().changeSeverity(incident.id, 'P1', ana);
      await runFor(5 * MINUTE);
      expect(await missedLines(incident.id)).toHaveLength(2);
    }, scaled(120_000));

    it('writes the line dated at the due time when opsbook was down as the target passed, and once across restarts', async () => {
      const incident = await ops().createIncident({ title: 'Reports late', severity: 'P1', service: 'reports' }, ana);
      const due = incident.openedAt + 15 * MINUTE;
      await runFor(10 * MINUTE);
      // Down from minute 10 to minute 40: the target passes meanwhile.
      await daemon.server.restart(() => clock.advance(30 * MINUTE));
      await ops().settle(scaled(5_000));
      await daemon.server.daemon.operations!.escalations.idle();
      const lines = await missedLines(incident.id);
      expect(lines).toHaveLength(1);
      expect(lines[0]!.at).toBe(due);
      // Another restart decides from the store: nothing written twice.
      await daemon.server.restart(() => clock.advance(5 * MINUTE));
      await runFor(5 * MINUTE);
      expect(await missedLines(incident.id)).toHaveLength(1);
    }, scaled(120_000));
  });
}
