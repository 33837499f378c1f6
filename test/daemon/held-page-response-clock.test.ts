/**
 * A page held back by a maintenance window starts the incident's response clock when it goes out:
 * the incident's own due time (what the incident page counts down, the API answers and the report
 * judges) moves to the release, as the escalation's does, and a later severity change counts its
 * new target from there, not from an opening inside the window (which read as missed at once).
 * One daemon on a simulated clock, on SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { maintenanceWindow, oneStepPolicy, refusedWebhookChannel } from '../support/ops-yaml.js';
import { scaled } from '../support/timing.js';

const pgAvailable = await postgresUp();
const MIN = 60_000;
const WINDOW = 120 * MIN;
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

for (const target of storeTargets('opsbook-held-clock', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`the response clock of a held page, on ${target.name}`, () => {
    const daemon = simulatedDaemon(target, 'held-clock', (url, t0) =>
      `storage:\n  url: "${url}"\n` + `channels:\n${refusedWebhookChannel()}` + oneStepPolicy() + maintenanceWindow('upgrade', t0, t0 + WINDOW),
    );
    const { ops, runFor } = daemon;

    it('starts at the release: the incident is due a target after it, and a severity change counts from it', async () => {
      const db = daemon.server.daemon.store.db;
      await runFor(MIN);
      // P2: 1 h to respond, opened inside a 2 h window: due in the window by the opening's clock.
      const incident = await ops().createIncident({ title: 'Checkout down', severity: 'P2', service: 'shop' }, ana);
      const row = () => db.selectFrom('incidents').select(['response_due_at', 'opened_at']).where('id', '=', incident.id).executeTakeFirstOrThrow();
      const lines = (like: string) => db.selectFrom('incident_timeline').select(['at', 'text']).where('incident_id', '=', incident.id).where('text', 'like', like).orderBy('seq').execute();
      expect(Number((await row()).response_due_at)).toBe(incident.openedAt + 60 * MIN);

      await runFor(WINDOW + MIN);
      const [release] = await lines('%notifying now%');
      expect(release, 'the window released the page').toBeDefined();
      expect(Number((await row()).response_due_at), 'due an hour after the page went out').toBe(release!.at + 60 * MIN);
      expect(await lines('%response target%missed%'), 'no target missed at the release').toEqual([]);

      // Raised to P1 (15 min) five minutes after the release: due 15 min after the release.
      await runFor(5 * MIN);
      await ops().changeSeverity(incident.id, 'P1', ana);
      expect(Number((await row()).response_due_at)).toBe(release!.at + 15 * MIN);
      expect(await lines('%response target%missed%'), 'not missed at once by a target counted from inside the window').toEqual([]);

      // It passes unanswered: one line, at the due time the incident row holds.
      await runFor(15 * MIN);
      const missed = await lines('%response target%missed%');
      expect(missed.map((l) => l.at)).toEqual([release!.at + 15 * MIN]);
    }, scaled(120_000));
  });
}
