/**
 * One escalation whose step cannot run (its stored state is unreadable) does not hold back the
 * others: the incidents after it in the queue are escalated on time, and the broken one is tried
 * again later, backing off, rather than at once in a loop. The broken row is real: its state column
 * overwritten with text that is not JSON. One daemon on a simulated clock, on SQLite and PostgreSQL,
 * a two-step policy over one signed webhook channel on a port that refuses (its rows stay in the
 * outbox, retrying, which is all this test reads).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

const pgAvailable = await postgresUp();
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

for (const target of storeTargets('opsbook-poison-escalation')) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`an escalation that cannot run, on ${target.name}`, () => {
    let server: DaemonApp;
    let cleanup: (() => Promise<void>) | undefined;
    const clock = new SimulatedClock(Math.floor(Date.now() / 60_000) * 60_000);
    const ops = () => server.daemon.operations!;
    const runFor = async (ms: number) => {
      await clock.advance(ms, () => ops().settle(5_000));
      await ops().settle(5_000);
    };

    beforeAll(async () => {
      const db = await target.open();
      cleanup = db.cleanup;
      server = await startDaemonApp('poison-escalation', {
        'ops.yaml':
          `storage:\n  url: "${db.url}"\n` +
          `channels:\n  - { id: hook, kind: webhook, url: "http://127.0.0.1:9/hook", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }\n` +
          `escalation_policies:\n  - id: default\n    steps:\n      - { targets: [{ channel: hook }], timeout: 5m }\n      - { targets: [{ channel: hook }], timeout: 5m }\n`,
      }, { clock });
    }, 60_000);

    afterAll(async () => {
      await server?.close();
      await cleanup?.();
    }, 60_000);

    it('escalates the others on time and tries the broken one again later, backing off', async () => {
      const db = server.daemon.store.db;
      const broken = await ops().createIncident({ title: 'Broken escalation', severity: 'P2', service: 'a' }, ana);
      await runFor(1_000);
      const healthy = await ops().createIncident({ title: 'Healthy escalation', severity: 'P2', service: 'b' }, ana);
      await db.updateTable('escalations').set({ state: '{not json' }).where('incident_id', '=', broken.id).execute();
      const pages = async (id: string) => Number((await db.selectFrom('outbox').select(sql<number>`count(*)`.as('n')).where('incident_id', '=', id).where('event', 'in', ['incident.triggered', 'incident.escalated']).executeTakeFirstOrThrow()).n);
      expect(await pages(healthy.id)).toBe(1);
      // Both step-2 timers fall due; the broken one is first in the queue.
      await runFor(5 * 60_000 + 1_000);
      expect(await pages(healthy.id)).toBe(2);
      expect(await pages(broken.id)).toBe(1);
      // Tried again later, not at once: its timer moved past now.
      const row = await db.selectFrom('escalations').select(['next_at', 'status']).where('incident_id', '=', broken.id).executeTakeFirstOrThrow();
      expect(row.status).toBe('active');
      expect(Number(row.next_at)).toBeGreaterThan(clock.now());
    }, 120_000);
  });
}
