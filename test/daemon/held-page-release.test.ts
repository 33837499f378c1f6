/**
 * A page a maintenance window held back is not lost when its release cannot start the page: the
 * release (held notification cleared, its timeline line) and the page it sends (the escalation and
 * its first page's outbox row, or without a policy the channels' notifications) commit together.
 * A release whose page cannot be written is rolled back whole: the incident stays held and its
 * release is tried again until the page can be written, then it pages once. The fault is real SQL:
 * a trigger that refuses rows of the escalations (or outbox) table, dropped afterwards. One daemon
 * on a simulated clock, on SQLite and PostgreSQL, with and without an escalation policy.
 */
import { describe, expect, it } from 'vitest';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { maintenanceWindow, oneStepPolicy, refusedWebhookChannel } from '../support/ops-yaml.js';
import { refuseWrites } from '../support/store-faults.js';
import { scaled } from '../support/timing.js';

const pgAvailable = await postgresUp();
const WINDOW = 10 * 60_000;
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

for (const target of storeTargets('opsbook-held-page', { migrated: true })) {
  for (const withPolicy of [true, false]) {
    const refused = withPolicy ? 'escalations' : 'outbox';
    describe.skipIf(target.name === 'postgres' && !pgAvailable)(`a held page whose ${refused} row cannot be written at the window's end, ${withPolicy ? 'with' : 'without'} a policy, on ${target.name}`, () => {
      const daemon = simulatedDaemon(target, 'held-page', (url, t0) =>
        `storage:\n  url: "${url}"\n` +
        `channels:\n${refusedWebhookChannel()}` +
        (withPolicy ? oneStepPolicy() : '') +
        maintenanceWindow('upgrade', t0, t0 + WINDOW),
      );
      const { ops, runFor } = daemon;

      it('stays held while the page cannot be written, and pages once when it can', async () => {
        const { server } = daemon;
        const db = server.daemon.store.db;
        await runFor(60_000);
        const incident = await ops().createIncident({ title: 'Checkout down', severity: 'P2', service: 'shop' }, ana);
        const state = async () => {
          const row = await db.selectFrom('incidents').select('held_notification').where('id', '=', incident.id).executeTakeFirstOrThrow();
          const escalations = await db.selectFrom('escalations').select('incident_id').where('incident_id', '=', incident.id).execute();
          const pages = await db.selectFrom('outbox').select('id').where('incident_id', '=', incident.id).where('event', '=', 'incident.triggered').execute();
          const released = await db.selectFrom('incident_timeline').select('id').where('incident_id', '=', incident.id).where('text', 'like', '%notifying now%').execute();
          return { held: row.held_notification !== null, escalations: escalations.length, pages: pages.length, released: released.length };
        };
        expect(await state()).toEqual({ held: true, escalations: 0, pages: 0, released: 0 });

        const heal = await refuseWrites(db, target.name, refused);
        try {
          await runFor(WINDOW);
          // The release could not send its page: it did not happen, the page is still held.
          expect(await state()).toEqual({ held: true, escalations: 0, pages: 0, released: 0 });
          await runFor(60_000);
          expect(await state()).toEqual({ held: true, escalations: 0, pages: 0, released: 0 });
        } finally {
          await heal();
        }
        await runFor(60_000);
        expect(await state()).toEqual({ held: false, escalations: withPolicy ? 1 : 0, pages: 1, released: 1 });
        await runFor(5 * 60_000);
        expect(await state()).toEqual({ held: false, escalations: withPolicy ? 1 : 0, pages: 1, released: 1 });
      }, scaled(120_000));
    });
  }
}
