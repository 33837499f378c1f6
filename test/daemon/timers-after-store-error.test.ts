/**
 * The pipeline's own timers go on after a store error. A rule's `for:` timer that falls due while
 * the store refuses the incident it opens runs again a little later (its error logged) and opens
 * the incident once the store answers, not only at the check's next run; the timer that ends
 * maintenance windows, when the store does not even answer which incidents are held, looks again
 * a little later and releases the held page once it does. The faults are real SQL: a trigger that
 * refuses incidents, a table renamed away (every query of it fails), each undone afterwards. One
 * daemon on a simulated clock per case, on SQLite and PostgreSQL.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/index.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { maintenanceWindow, refusedWebhookChannel } from '../support/ops-yaml.js';
import { refuseWrites } from '../support/store-faults.js';
import { startStatusServer, type StatusServer } from '../support/net.js';
import { scaled } from '../support/timing.js';

const pgAvailable = await postgresUp();
const MINUTE = 60_000;

/** Every query of the incidents table fails (it is renamed away) until the answer is called. */
async function loseIncidents(db: Kysely<Database>): Promise<() => Promise<void>> {
  await sql.raw('alter table incidents rename to incidents_away').execute(db);
  return async () => void (await sql.raw('alter table incidents_away rename to incidents').execute(db));
}

for (const target of storeTargets('opsbook-timers-error', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`a rule's for: timer on a store error, on ${target.name}`, () => {
    let web: StatusServer;
    beforeAll(async () => {
      web = await startStatusServer(500);
    });
    afterAll(async () => {
      await web.close();
    });
    const daemon = simulatedDaemon(target, 'timers-error', (url) =>
      // A check run every 30 minutes: only the rule's own timer can open the incident in between.
      `storage:\n  url: "${url}"\nchecks:\n  - { id: web, kind: http, url: "${web.url}/", interval: 30m, failure_threshold: 1, success_threshold: 1 }\nrules:\n  - { id: slow, check: web, for: 60s }\n`,
    );
    const { clock, runFor } = daemon;

    it('runs the for: timer again after the store refused its incident, and opens the incident before the next check run', async () => {
      const { server } = daemon;
      const db = server.daemon.store.db;
      const state = async () => (await db.selectFrom('alert_series').select('state').where('rule_id', '=', 'slow').executeTakeFirst())?.state;
      // The check's first run (at its phase within its interval) makes the rule pending.
      let pendingAt: number | undefined;
      for (let i = 0; i < 130 && pendingAt === undefined; i++) {
        await runFor(15_000);
        if ((await state()) === 'pending') pendingAt = clock.now();
      }
      expect(pendingAt).toBeDefined();
      const heal = await refuseWrites(db, server.daemon.store.dialect, 'incidents');
      // The `for:` timer falls due and fails.
      await runFor(2 * MINUTE);
      expect(await db.selectFrom('incidents').select('id').execute()).toEqual([]);
      await heal();
      await runFor(2 * MINUTE);
      // Long before the check's next run (30 minutes after the first).
      expect(clock.now() - pendingAt!).toBeLessThan(10 * MINUTE);
      expect(await state()).toBe('firing');
      expect(await db.selectFrom('incidents').select(['title', 'state']).execute()).toHaveLength(1);
    }, scaled(120_000));
  });

  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`the window-release timer on a store error, on ${target.name}`, () => {
    const WINDOW = 10 * MINUTE;
    const daemon = simulatedDaemon(target, 'release-error', (url, t0) =>
      `storage:\n  url: "${url}"\n` +
      `channels:\n${refusedWebhookChannel()}` +
      maintenanceWindow('upgrade', t0, t0 + WINDOW),
    );
    const { ops, runFor } = daemon;

    it('looks again after the store could not say which incidents are held, and releases the page once it can', async () => {
      const { server } = daemon;
      const db = server.daemon.store.db;
      await runFor(MINUTE);
      const incident = await ops().createIncident({ title: 'Checkout down', severity: 'P2', service: 'shop' }, { name: 'ana', role: 'responder', via: 'session' });
      const held = async () => (await db.selectFrom('incidents').select('held_notification').where('id', '=', incident.id).executeTakeFirstOrThrow()).held_notification !== null;
      expect(await held()).toBe(true);
      await runFor(WINDOW - 2 * MINUTE);
      // The window ends while no query of the incidents answers.
      const heal = await loseIncidents(db);
      await runFor(3 * MINUTE);
      await heal();
      await runFor(MINUTE);
      expect(await held()).toBe(false);
      const pages = await db.selectFrom('outbox').select('event').where('incident_id', '=', incident.id).where('event', '=', 'incident.triggered').execute();
      expect(pages).toHaveLength(1);
    }, scaled(120_000));
  });
}
