/**
 * One escalation whose step cannot run (its stored state is unreadable) does not hold back the
 * others: the incidents after it in the queue are escalated on time, and the broken one is tried
 * again later, backing off, rather than at once in a loop. The broken row is real: its state column
 * overwritten with text that is not JSON. One daemon on a simulated clock, on SQLite and PostgreSQL,
 * a two-step policy over one signed webhook channel on a port that refuses (its rows stay in the
 * outbox, retrying, which is all this test reads). A daemon restarted with such a row starts, and
 * pages the others.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { refusedWebhookChannel } from '../support/ops-yaml.js';
import { scaled } from '../support/timing.js';

const pgAvailable = await postgresUp();
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

for (const target of storeTargets('opsbook-poison-escalation', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`an escalation that cannot run, on ${target.name}`, () => {
    const d = simulatedDaemon(target, 'poison-escalation', (url) =>
      `storage:\n  url: "${url}"\n` +
      `channels:\n${refusedWebhookChannel()}` +
      `escalation_policies:\n  - id: default\n    steps:\n      - { targets: [{ channel: hook }], timeout: 5m }\n      - { targets: [{ channel: hook }], timeout: 5m }\n`,
    );

    it('escalates the others on time and tries the broken one again later, backing off', async () => {
      const db = d.server.daemon.store.db;
      const broken = await d.ops().createIncident({ title: 'Broken escalation', severity: 'P2', service: 'a' }, ana);
      await d.runFor(1_000);
      const healthy = await d.ops().createIncident({ title: 'Healthy escalation', severity: 'P2', service: 'b' }, ana);
      await db.updateTable('escalations').set({ state: '{not json' }).where('incident_id', '=', broken.id).execute();
      const pages = async (id: string) => Number((await db.selectFrom('outbox').select(sql<number>`count(*)`.as('n')).where('incident_id', '=', id).where('event', 'in', ['incident.triggered', 'incident.escalated']).executeTakeFirstOrThrow()).n);
      expect(await pages(healthy.id)).toBe(1);
      // Both step-2 timers fall due; the broken one is first in the queue.
      await d.runFor(5 * 60_000 + 1_000);
      expect(await pages(healthy.id)).toBe(2);
      expect(await pages(broken.id)).toBe(1);
      // Tried again later, not at once: its timer moved past now.
      const row = await db.selectFrom('escalations').select(['next_at', 'status']).where('incident_id', '=', broken.id).executeTakeFirstOrThrow();
      expect(row.status).toBe('active');
      expect(Number(row.next_at)).toBeGreaterThan(d.clock.now());
      // Its responder can still acknowledge it: the chain stops, its unreadable state kept as it was.
      const acknowledged = await d.ops().act(broken.id, 'acknowledge', ana);
      expect(acknowledged.state).toBe('acknowledged');
      const after = await db.selectFrom('escalations').select(['next_at', 'status']).where('incident_id', '=', broken.id).executeTakeFirstOrThrow();
      expect(after).toEqual({ next_at: null, status: 'acknowledged' });
    }, scaled(120_000));

    it('starts again with an escalation whose state is unreadable, and pages the others', async () => {
      const broken = await d.ops().createIncident({ title: 'Broken before a restart', severity: 'P2', service: 'c' }, ana);
      await d.runFor(1_000);
      await d.server.daemon.store.db.updateTable('escalations').set({ state: '{not json' }).where('incident_id', '=', broken.id).execute();
      await d.server.restart();
      const db = d.server.daemon.store.db;
      const healthy = await d.ops().createIncident({ title: 'Healthy after a restart', severity: 'P2', service: 'd' }, ana);
      const pages = async (id: string) => Number((await db.selectFrom('outbox').select(sql<number>`count(*)`.as('n')).where('incident_id', '=', id).where('event', 'in', ['incident.triggered', 'incident.escalated']).executeTakeFirstOrThrow()).n);
      await d.runFor(5 * 60_000 + 1_000);
      expect(await pages(healthy.id)).toBe(2);
      expect(await pages(broken.id)).toBe(1);
      await d.ops().act(broken.id, 'resolve', ana);
    }, scaled(120_000));
  });
}
