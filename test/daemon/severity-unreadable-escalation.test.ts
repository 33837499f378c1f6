/**
 * A person changes the severity of an incident whose escalation's stored state is unreadable (the
 * row's state overwritten with text that is not JSON): the change is made and answered, and the
 * timeline says the escalation could not follow it. Before, the revision threw in the change's
 * transaction, so the person got an error and the severity stayed as it was. The escalation that
 * cannot be revised is left to the stuck-escalation check: its steps keep failing and opsbook opens
 * an incident about itself for it. One daemon on a simulated clock, on SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { findOpenIncidentByDedupKey } from '../../src/store/index.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { refusedWebhookChannel } from '../support/ops-yaml.js';
import { scaled } from '../support/timing.js';

const pgAvailable = await postgresUp();
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

for (const target of storeTargets('opsbook-severity-unreadable', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`a severity change on an incident whose escalation is unreadable, on ${target.name}`, () => {
    const d = simulatedDaemon(target, 'severity-unreadable', (url) =>
      `storage:\n  url: "${url}"\n` +
      `channels:\n${refusedWebhookChannel()}` +
      `escalation_policies:\n  - id: default\n    steps:\n      - { targets: [{ channel: hook }], timeout: 5m }\n      - { targets: [{ channel: hook }], timeout: 5m }\n`,
    );
    const db = () => d.server.daemon.store.db;

    it('is made and answered, the timeline says the escalation could not follow it, and the stuck escalation raises an incident about opsbook', async () => {
      const incident = await d.ops().createIncident({ title: 'Payments broken', severity: 'P2', service: 'payments' }, ana);
      await d.runFor(1_000);
      await db().updateTable('escalations').set({ state: '{not json' }).where('incident_id', '=', incident.id).execute();

      const changed = await d.ops().changeSeverity(incident.id, 'P1', ana, 'customers cannot pay');
      expect(changed.severity).toBe('P1');
      expect((await db().selectFrom('incidents').select('severity').where('id', '=', incident.id).executeTakeFirstOrThrow()).severity).toBe('P1');
      const timeline = (await db().selectFrom('incident_timeline').select(['kind', 'text']).where('incident_id', '=', incident.id).orderBy('seq').execute()).map((r) => `${r.kind}: ${r.text}`);
      expect(timeline.filter((l) => /severity|could not follow/.test(l))).toEqual([
        expect.stringMatching(/^status: severity P2 → P1; .*customers cannot pay$/),
        'escalation: the escalation could not follow the new severity P1: its stored state is unreadable; its steps are tried again, and opsbook opens an incident about itself if they keep failing',
      ]);
      // The row is left as it was: the stuck-escalation check takes it from here.
      expect((await db().selectFrom('escalations').select('state').where('incident_id', '=', incident.id).executeTakeFirstOrThrow()).state).toBe('{not json');
      await d.runFor(5 * 60_000 + 30_000);
      const stuck = await findOpenIncidentByDedupKey(db(), `opsbook:escalation-stuck:${incident.id}`);
      expect(stuck?.title).toContain(incident.id);
      await d.ops().act(incident.id, 'resolve', ana);
      await d.runFor(2 * 60_000);
      expect(await findOpenIncidentByDedupKey(db(), `opsbook:escalation-stuck:${incident.id}`)).toBeUndefined();
    }, scaled(180_000));
  });
}
