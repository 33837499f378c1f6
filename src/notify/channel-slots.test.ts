/**
 * Each channel has send slots of its own: a receiver that hangs holds its channel's slots until the
 * timeout, and the pages of the other channels go out meanwhile — in a storm too, and for pages
 * written leased to the worker as their incident commits. On both stores.
 */
import { expect, it } from 'vitest';
import { SimulatedClock } from '../lib/clock.js';
import { describeOnStores } from '../../test/support/store-targets.js';
import { scaled, until } from '../../test/support/timing.js';
import { getOutbox } from '../store/repos/outbox.js';
import { enqueueNotification, LeasedRows, signalOutbox } from './enqueue.js';
import { channel, startReceiver, testSecret, type Receiver } from './test-support.js';
import { OutboxWorker } from './worker.js';
import type { Notification } from './types.js';

const incident = { id: 'inc_slots', title: 'API down', severity: 'sev1', status: 'triggered', url: 'http://ops.test/incidents/inc_slots' };
const note = (channelId: string, key: string): Notification => ({ channelId, event: 'incident.triggered', incident, dedupKey: key });

await describeOnStores('opsbook-channel-slots', 'send slots per channel', { migrate: true }, (target) => {
  async function setup(concurrency: number) {
    // The hung receiver takes every request and never answers; its channel waits 5 minutes (its
    // timeout, real time) before it gives up on one: longer than any bound below.
    const hung = await startReceiver(() => ({ status: 200, delayMs: 600_000 }));
    const healthy = await startReceiver(() => ({ status: 200 }));
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
    const worker = new OutboxWorker({
      store: target.store,
      clock,
      concurrency,
      pollIntervalMs: 200,
      channels: [
        channel({ id: 'chat', kind: 'webhook', url: hung.url, secrets: [testSecret(1)], timeout: '5m' }),
        channel({ id: 'pager', kind: 'webhook', url: healthy.url, secrets: [testSecret(2)] }),
      ],
    });
    worker.start();
    const done = async (): Promise<void> => {
      // The hung sends are aborted at the stop's deadline, on the simulated clock.
      const stopped = worker.stop(clock.now() + 1);
      await clock.advance(1);
      await stopped;
      await hung.close();
      await healthy.close();
      await target.store.db.deleteFrom('deliveries').execute();
      await target.store.db.deleteFrom('outbox').execute();
    };
    return { hung, healthy, clock, worker, done };
  }

  const requestsNow = (r: Receiver): number => r.requests.length;

  it('sends the other channel’s page while a hung receiver holds every slot of its own channel', async () => {
    const { hung, healthy, clock, done } = await setup(4);
    try {
      // A storm for the hung channel: three times its slots.
      for (let i = 0; i < 12; i++) await enqueueNotification(target.store, clock, note('chat', `c${i}`));
      signalOutbox();
      await hung.waitFor(4, scaled(30_000));
      // Queued after the storm, on the channel that answers.
      const { id } = await enqueueNotification(target.store, clock, note('pager', 'p1'));
      signalOutbox();
      await healthy.waitFor(1, scaled(30_000));
      await until('the page is recorded delivered', async () => (await getOutbox(target.store.db, id))?.status === 'delivered', scaled(30_000));
      // The hung channel never had more requests open than its slots, and none of them ended.
      expect(requestsNow(hung)).toBe(4);
      expect(healthy.requests[0]!.headers['webhook-id']).toBe(id);
    } finally {
      await done();
    }
  });

  it('writes a page leased to the worker when its channel has a free slot, pending when only another channel is full', async () => {
    const { hung, healthy, clock, worker, done } = await setup(2);
    try {
      for (let i = 0; i < 2; i++) await enqueueNotification(target.store, clock, note('chat', `c${i}`));
      signalOutbox();
      await hung.waitFor(2, scaled(30_000));
      const leased = new LeasedRows(worker);
      const ids = await target.store.db.transaction().execute(async (trx) => [
        (await enqueueNotification(trx, clock, note('chat', 'c-more'), leased)).id,
        (await enqueueNotification(trx, clock, note('pager', 'p-leased'), leased)).id,
      ]);
      // The full channel's row waits pending; the other's was written leased (attempt 1 started).
      expect(leased.pendingWritten).toBe(1);
      expect(await getOutbox(target.store.db, ids[0]!)).toMatchObject({ status: 'pending', attempts: 0 });
      expect(await getOutbox(target.store.db, ids[1]!)).toMatchObject({ status: 'delivering', lease_owner: worker.id, attempts: 1 });
      leased.handOver();
      signalOutbox();
      await healthy.waitFor(1, scaled(30_000));
      expect(healthy.requests[0]!.headers['webhook-id']).toBe(ids[1]);
      // Still no third request on the hung channel: its pending row waits for one of its slots.
      await until('the leased page is recorded delivered', async () => (await getOutbox(target.store.db, ids[1]!))?.status === 'delivered', scaled(30_000));
      expect(requestsNow(hung)).toBe(2);
      expect(await getOutbox(target.store.db, ids[0]!)).toMatchObject({ status: 'pending' });
    } finally {
      await done();
    }
  });
});
