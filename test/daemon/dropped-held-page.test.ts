/**
 * A page a window held and dropped at its end (`on_end: drop`) stays dropped: the once-a-minute look
 * for incidents nobody was paged for must not page an incident whose notification a window or
 * silence decided. A manual incident under a window with `on_end: drop`; one daemon on SQLite and a
 * simulated clock.
 */
import { describe, expect, it } from 'vitest';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { minuteIso, oneStepPolicy, refusedWebhookChannel } from '../support/ops-yaml.js';
import { scaled } from '../support/timing.js';

const MINUTE = 60_000;
const WINDOW = 10 * MINUTE;
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

for (const onEnd of ['drop'] as const) {
  describe(`an incident whose held page a window dropped (on_end: ${onEnd})`, () => {
    const daemon = simulatedDaemon(undefined, 'dropped-held-page', (_url, t0) =>
      `channels:\n${refusedWebhookChannel()}${oneStepPolicy()}` +
      `maintenance:\n  - { id: upgrade, start: "${minuteIso(t0)}", end: "${minuteIso(t0 + WINDOW)}", all_incidents: true, on_end: ${onEnd} }\n`,
    );
    const { ops, runFor } = daemon;

    it('is not paged by the look for missed pages once the window has dropped its page', async () => {
      const { server } = daemon;
      const db = server.daemon.store.db;
      await runFor(MINUTE);
      const incident = await ops().createIncident({ title: 'Checkout down', severity: 'P2', service: 'shop' }, ana);
      const state = async () => ({
        held: (await db.selectFrom('incidents').select('held_notification').where('id', '=', incident.id).executeTakeFirstOrThrow()).held_notification !== null,
        dropped: (await db.selectFrom('incident_timeline').select('id').where('incident_id', '=', incident.id).where('text', 'like', '%held notification dropped%').execute()).length,
        escalations: (await db.selectFrom('escalations').select('incident_id').where('incident_id', '=', incident.id).execute()).length,
        pages: (await db.selectFrom('outbox').select('id').where('incident_id', '=', incident.id).execute()).length,
      });
      expect(await state()).toEqual({ held: true, dropped: 0, escalations: 0, pages: 0 });
      await runFor(WINDOW);
      expect(await state()).toEqual({ held: false, dropped: 1, escalations: 0, pages: 0 });
      // Well past the look's minute of grace, several looks.
      await runFor(5 * MINUTE);
      expect(await state()).toEqual({ held: false, dropped: 1, escalations: 0, pages: 0 });
    }, scaled(120_000));
  });
}
