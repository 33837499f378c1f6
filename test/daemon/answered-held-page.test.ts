/**
 * A page a maintenance window held is for nobody once a person has answered its incident during the
 * window: at the window's end an acknowledged (or investigating, mitigating) incident is not paged —
 * no page written and cancelled, no escalation started and stopped, no status update to the
 * channels — and its timeline says, when the person answers, that the held notification is dropped,
 * as it already said for an incident resolved while held. One daemon on a simulated clock, on SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { maintenanceWindow, oneStepPolicy, refusedWebhookChannel } from '../support/ops-yaml.js';
import { scaled } from '../support/timing.js';

const pgAvailable = await postgresUp();
const MINUTE = 60_000;
const WINDOW = 10 * MINUTE;
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

for (const target of storeTargets('opsbook-answered-held', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`a held page whose incident was answered during the window, on ${target.name}`, () => {
    const daemon = simulatedDaemon(target, 'answered-held', (url, t0) =>
      `storage:\n  url: "${url}"\nchannels:\n${refusedWebhookChannel()}${oneStepPolicy()}${maintenanceWindow('upgrade', t0, t0 + WINDOW)}`,
    );
    const { ops, runFor } = daemon;

    const state = async (id: string) => {
      const db = daemon.server.daemon.store.db;
      const row = await db.selectFrom('incidents').select(['held_notification', 'state']).where('id', '=', id).executeTakeFirstOrThrow();
      const escalations = await db.selectFrom('escalations').select('status').where('incident_id', '=', id).execute();
      const outbox = await db.selectFrom('outbox').select(['event', 'status']).where('incident_id', '=', id).execute();
      const lines = await db.selectFrom('incident_timeline').select('text').where('incident_id', '=', id).where('kind', '=', 'suppressed').orderBy('seq').execute();
      return { held: row.held_notification !== null, state: row.state, escalations: escalations.map((e) => e.status), outbox, suppressed: lines.map((l) => l.text) };
    };

    it('drops the page of an incident acknowledged, or being investigated, during the window, and says why', async () => {
      await runFor(MINUTE);
      const acked = await ops().createIncident({ title: 'Checkout down', severity: 'P2', service: 'shop' }, ana);
      const investigating = await ops().createIncident({ title: 'Search slow', severity: 'P2', service: 'search' }, ana);
      const waiting = await ops().createIncident({ title: 'Cart errors', severity: 'P2', service: 'cart' }, ana);
      for (const i of [acked, investigating, waiting]) expect((await state(i.id)).held).toBe(true);
      await ops().act(acked.id, 'acknowledge', ana);
      await ops().act(investigating.id, 'investigate', ana);

      await runFor(WINDOW);
      for (const [incident, st] of [[acked, 'acknowledged'], [investigating, 'investigating']] as const) {
        const s = await state(incident.id);
        expect(s).toMatchObject({ held: false, state: st, escalations: [], outbox: [] });
        expect(s.suppressed.at(-1)).toBe(`${st} while maintenance window upgrade held its notification: nothing to send at its end`);
      }
      // The control: the incident nobody answered is paged at the window's end.
      const w = await state(waiting.id);
      expect(w).toMatchObject({ held: false, state: 'triggered', escalations: ['active'] });
      expect(w.outbox.map((o) => o.event)).toEqual(['incident.triggered']);

      // The look for missed pages does not page them later either.
      await runFor(5 * MINUTE);
      expect((await state(acked.id)).outbox).toEqual([]);
      expect((await state(investigating.id)).outbox).toEqual([]);
    }, scaled(120_000));

    it('pages once when a person escalates a held incident during the window: its end does not start the escalation again', async () => {
      await daemon.runTo(Math.max(daemon.clock.now(), daemon.t0 + WINDOW + MINUTE));
      const start = daemon.clock.now();
      await ops().incidents.createSilence({ matchers: [{ label: 'service', op: '=', value: 'ledger' }], startsAt: start, endsAt: start + WINDOW, comment: 'migration', onEnd: 'notify_if_firing' }, ana);
      const incident = await ops().createIncident({ title: 'Ledger lagging', severity: 'P2', service: 'ledger' }, ana);
      expect((await state(incident.id)).held).toBe(true);
      await runFor(MINUTE);
      await ops().escalate(incident.id, ana);
      const after = await state(incident.id);
      expect(after).toMatchObject({ held: false, escalations: ['active'] });
      expect(after.outbox.map((o) => o.event)).toEqual(['incident.triggered']);
      expect(after.suppressed.at(-1)).toMatch(/^escalated by hand while silence sil_\w+ held its notification: paging now$/);
      const db = daemon.server.daemon.store.db;
      const before = await db.selectFrom('escalations').select(['state', 'next_at']).where('incident_id', '=', incident.id).executeTakeFirstOrThrow();
      await runFor(WINDOW);
      const end = await state(incident.id);
      expect(end.outbox.map((o) => o.event)).toEqual(['incident.triggered']);
      expect(end.suppressed.filter((t) => /notifying now/.test(t))).toEqual([]);
      expect(await db.selectFrom('escalations').select(['state', 'next_at']).where('incident_id', '=', incident.id).executeTakeFirstOrThrow()).toEqual(before);
    }, scaled(120_000));

    it('drops the page of an incident resolved under a silence at once, and says so', async () => {
      // Past the config's window, which holds every incident.
      await daemon.runTo(Math.max(daemon.clock.now(), daemon.t0 + WINDOW + MINUTE));
      const start = daemon.clock.now();
      // The config's window has ended: a runtime silence holds the page the same way.
      await ops().incidents.createSilence({ matchers: [{ label: 'service', op: '=', value: 'billing' }], startsAt: start, endsAt: start + WINDOW, comment: 'upgrade', onEnd: 'notify_if_firing' }, ana);
      const held = { incident: await ops().createIncident({ title: 'Billing down', severity: 'P2', service: 'billing' }, ana) };
      expect((await state(held.incident.id)).held).toBe(true);
      await ops().act(held.incident.id, 'resolve', ana);
      await runFor(WINDOW + MINUTE);
      const s = await state(held.incident.id);
      expect(s).toMatchObject({ held: false, state: 'resolved', escalations: [], outbox: [] });
      expect(s.suppressed.at(-1)).toMatch(/^resolved while silence sil_\w+ held its notification: nothing to send at its end$/);
    }, scaled(120_000));
  });
}
