/**
 * A page a window held and dropped at its end (`on_end: drop`) stays dropped: the once-a-minute look
 * for incidents nobody was paged for must not page an incident whose notification a window or
 * silence decided. A manual incident under a window with `on_end: drop`; one daemon on SQLite and a
 * simulated clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

const MINUTE = 60_000;
const WINDOW = 10 * MINUTE;
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

for (const onEnd of ['drop'] as const) {
  describe(`an incident whose held page a window dropped (on_end: ${onEnd})`, () => {
    let server: DaemonApp;
    const t0 = Math.floor(Date.now() / MINUTE) * MINUTE;
    const clock = new SimulatedClock(t0);
    const ops = () => server.daemon.operations!;
    const runFor = async (ms: number) => {
      await clock.advance(ms, () => ops().settle(5_000));
      await ops().settle(5_000);
    };

    beforeAll(async () => {
      const at = (ms: number) => new Date(ms).toISOString().slice(0, 16) + '+00:00';
      server = await startDaemonApp('dropped-held-page', {
        'ops.yaml':
          // Port 9 (discard) refuses: a page would stay in the outbox, retrying, which is all this test reads.
          `channels:\n  - { id: hook, kind: webhook, url: "http://127.0.0.1:9/hook", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }\n` +
          `escalation_policies:\n  - id: default\n    steps:\n      - { targets: [{ channel: hook }], timeout: 1h }\n` +
          `maintenance:\n  - { id: upgrade, start: "${at(t0)}", end: "${at(t0 + WINDOW)}", on_end: ${onEnd} }\n`,
      }, { clock });
    }, 60_000);
    afterAll(async () => {
      await server?.close();
    }, 60_000);

    it('is not paged by the look for missed pages once the window has dropped its page', async () => {
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
    }, 120_000);
  });
}
