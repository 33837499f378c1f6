/**
 * Deliveries that finish together are settled in one transaction with their timeline lines, on
 * SQLite and on PostgreSQL (where the incident writers' lock is taken first).
 */
import { expect, it } from 'vitest';
import { SystemClock } from '../../lib/clock.js';
import { insertIncident, listDeliveries, listTimeline } from '../../store/index.js';
import { enqueueNotification, OutboxWorker, signalOutbox, type SettledAttempt } from '../../notify/index.js';
import { channel, startReceiver, testSecret } from '../../notify/test-support.js';
import { describeOnStores } from '../../../test/support/store-targets.js';
import { scaled } from '../../../test/support/timing.js';
import { IncidentEffects } from './effects.js';
import type { OperationsHost } from './host.js';

await describeOnStores('opsbook-settle', 'deliveries settled with their timeline lines', { migrate: true }, (target) => {
  it('writes each first attempt\'s delivery line in the settlement\'s transaction, once', async () => {
    const clock = new SystemClock();
    const store = target.store;
    const id = `inc_settle_${target.name}`;
    await insertIncident(store.db, {
      id, title: 'disk full', state: 'triggered', severity: 'P1', service: null, source: 'alert', opened_at: clock.now(), updated_at: clock.now(),
      acknowledged_at: null, resolved_at: null, response_due_at: null, response_from: null, labels: '{}', runbook: null, created_by: 'alerts', reopened: 0, held_notification: null,
    });
    const host = { store, clock, config: {}, logger: { error: () => {}, warn: () => {}, info: () => {} } } as unknown as Pick<OperationsHost, 'store' | 'clock' | 'config' | 'logger'>;
    // Only the settlement part of the effects is used here.
    const effects = new IncidentEffects(host, undefined as never, undefined as never);
    const receiver = await startReceiver(() => ({ status: 200 }));
    const settled: SettledAttempt[] = [];
    const worker = new OutboxWorker({
      store,
      clock,
      channels: [channel({ id: 'hook', kind: 'webhook', url: receiver.url, secrets: [testSecret(1)], timeout: '60s', retry: {} })],
      onSettled: (e) => {
        settled.push(e);
        void effects.recordDelivery(e);
      },
      settleIn: (trx, settle) => effects.settleDeliveries(trx, settle),
    });
    try {
      const incident = { id, title: 'disk full', severity: 'P1', status: 'triggered', url: `http://ops.test/incidents/${id}` };
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await enqueueNotification(store, clock, { channelId: 'hook', event: 'incident.triggered', incident, dedupKey: `${id}/${i}` })).id);
      worker.start();
      signalOutbox();
      await receiver.waitFor(4, scaled(20_000));
      for (const end = Date.now() + scaled(20_000); settled.length < 4 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
      await worker.idle();
      expect(settled.map((e) => [e.moved, e.inTransaction])).toEqual(Array(4).fill([true, true]));
      const lines = (await listTimeline(store.db, id)).filter((t) => t.kind === 'delivery');
      expect(lines.map((t) => t.text)).toEqual(Array(4).fill('incident.triggered to hook: delivered (HTTP 200)'));
      expect(lines.map((t) => (JSON.parse(t.data) as { line: string }).line).sort()).toEqual(ids.map((o) => `delivery:${o}`).sort());
      expect(lines.map((t) => t.seq)).toEqual([1, 2, 3, 4]);
      expect((await listDeliveries(store.db, { incidentId: id })).map((d) => d.outcome)).toEqual(Array(4).fill('delivered'));
    } finally {
      await worker.stop(clock.now() + 1000);
      await receiver.close();
    }
  });
});
