/**
 * Pages written leased to this process's outbox worker: the row is inserted as a claim would leave
 * it and handed to the worker when its transaction commits, so it goes out without a claim and
 * without a signal (shown with an hour-long poll on a clock that does not move). A rolled-back
 * transaction sends nothing and frees its slots; a worker with no free slot gets the row pending; a
 * row handed to a stopped worker is sent by another once the lease runs out; by default a burst of
 * 32 first pages goes out leased. On both stores.
 */
import { expect, it } from 'vitest';
import { SimulatedClock } from '../lib/clock.js';
import { describeOnStores } from '../../test/support/store-targets.js';
import { getOutbox, listDeliveries } from '../store/repos/outbox.js';
import { enqueueNotification, LeasedRows, signalOutbox } from './enqueue.js';
import { channel, startReceiver, testSecret } from './test-support.js';
import { OutboxWorker } from './worker.js';
import type { Notification } from './types.js';
import { scaled } from '../../test/support/timing.js';

const incident = { id: 'inc_leased', title: 'API down', severity: 'sev1', status: 'triggered', url: 'http://ops.test/incidents/inc_leased' };
const note = (key: string): Notification => ({ channelId: 'hook', event: 'incident.triggered', incident, dedupKey: key });

await describeOnStores('opsbook-leased', 'pages written leased to the outbox worker', { migrate: true }, (target) => {
  /** `'default'` builds the worker without a concurrency of its own. */
  async function setup(concurrency: number | 'default' = 8) {
    const receiver = await startReceiver(() => ({ status: 200 }));
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
    const make = () =>
      new OutboxWorker({
        store: target.store,
        clock,
        ...(concurrency === 'default' ? {} : { concurrency }),
        pollIntervalMs: 3_600_000,
        channels: [channel({ id: 'hook', kind: 'webhook', url: receiver.url, secrets: [testSecret(1)] })],
      });
    const worker = make();
    worker.start();
    await worker.idle(); // the first look finds nothing and waits an hour
    const done = async () => {
      await worker.stop(Date.now());
      await receiver.close();
      await target.store.db.deleteFrom('deliveries').execute();
      await target.store.db.deleteFrom('outbox').execute();
    };
    return { receiver, clock, worker, make, done };
  }

  it('sends a row written leased as its transaction commits, as attempt 1, without a claim or a signal', async () => {
    const { receiver, clock, worker, done } = await setup();
    try {
      const leased = new LeasedRows(worker);
      const { id } = await target.store.db.transaction().execute((trx) => enqueueNotification(trx, clock, note('a'), leased));
      expect(leased.pendingWritten).toBe(0);
      const row = await getOutbox(target.store.db, id);
      expect(row).toMatchObject({ status: 'delivering', lease_owner: worker.id, attempts: 1, due_at: clock.now() + worker.leaseMs });
      leased.handOver();
      await receiver.waitFor(1, scaled(20_000));
      await worker.idle();
      expect(receiver.requests[0]!.headers['webhook-id']).toBe(id);
      expect(await getOutbox(target.store.db, id)).toMatchObject({ status: 'delivered', attempts: 1 });
      expect((await listDeliveries(target.store.db, { outboxId: id })).map((d) => d.attempt)).toEqual([1]);
    } finally {
      await done();
    }
  });

  it('sends nothing for a rolled-back transaction and frees the slots it booked', async () => {
    const { receiver, clock, worker, done } = await setup(2);
    try {
      const leased = new LeasedRows(worker);
      await expect(
        target.store.db.transaction().execute(async (trx) => {
          await enqueueNotification(trx, clock, note('x1'), leased);
          await enqueueNotification(trx, clock, note('x2'), leased);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      leased.abandon();
      expect(await target.store.db.selectFrom('outbox').select('id').execute()).toEqual([]);
      // Both slots are free again: the next two rows are written leased too.
      const again = new LeasedRows(worker);
      await target.store.db.transaction().execute(async (trx) => {
        await enqueueNotification(trx, clock, note('y1'), again);
        await enqueueNotification(trx, clock, note('y2'), again);
      });
      const rows = await target.store.db.selectFrom('outbox').select(['status', 'dedup_key']).orderBy('dedup_key').execute();
      expect(rows).toEqual([{ status: 'delivering', dedup_key: 'y1' }, { status: 'delivering', dedup_key: 'y2' }]);
      again.handOver();
      await receiver.waitFor(2, scaled(20_000));
      await worker.idle();
      expect(receiver.requests.map((r) => JSON.parse(r.body).data.incident.id)).toEqual([incident.id, incident.id]);
    } finally {
      await done();
    }
  });

  it('writes the rows beyond the free slots pending; the commit signal sends them', async () => {
    const { receiver, clock, worker, done } = await setup(1);
    try {
      const leased = new LeasedRows(worker);
      await target.store.db.transaction().execute(async (trx) => {
        await enqueueNotification(trx, clock, note('p1'), leased);
        await enqueueNotification(trx, clock, note('p2'), leased);
        // A notification already there is not written again and books nothing.
        await enqueueNotification(trx, clock, note('p1'), leased);
      });
      const rows = await target.store.db.selectFrom('outbox').select(['status', 'dedup_key']).orderBy('dedup_key').execute();
      expect(rows).toEqual([{ status: 'delivering', dedup_key: 'p1' }, { status: 'pending', dedup_key: 'p2' }]);
      // The one row written pending is counted: the committer must wake the worker for it.
      expect(leased.pendingWritten).toBe(1);
      leased.handOver();
      signalOutbox();
      await receiver.waitFor(2, scaled(20_000));
      await worker.idle();
      const after = await target.store.db.selectFrom('outbox').select(['status', 'attempts']).execute();
      expect(after).toEqual([{ status: 'delivered', attempts: 1 }, { status: 'delivered', attempts: 1 }]);
    } finally {
      await done();
    }
  });

  it('by default takes a burst of 32 first pages leased and sends them at once; the 33rd waits pending', async () => {
    const { receiver, clock, worker, done } = await setup('default');
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const leased = new LeasedRows(worker);
      await target.store.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 33; i++) await enqueueNotification(trx, clock, note(`b${String(i).padStart(2, '0')}`), leased);
      });
      const rows = await target.store.db.selectFrom('outbox').select(['status']).orderBy('dedup_key').execute();
      expect(rows.filter((r) => r.status === 'delivering')).toHaveLength(32);
      expect(rows[32]).toEqual({ status: 'pending' });
      expect(leased.pendingWritten).toBe(1);
      leased.handOver();
      signalOutbox();
      await receiver.waitFor(33, scaled(20_000));
      await worker.idle();
      // Every send in flight listens for the stop: 32 at once is not taken for a leak.
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await done();
    }
  });

  it('leaves a row handed to a stopped worker to another worker once its lease runs out', async () => {
    const { receiver, clock, worker, make, done } = await setup();
    const other = make();
    try {
      const leased = new LeasedRows(worker);
      const { id } = await target.store.db.transaction().execute((trx) => enqueueNotification(trx, clock, note('s'), leased));
      await worker.stop();
      leased.handOver();
      expect(receiver.requests).toEqual([]);
      await clock.advance(worker.leaseMs + 1);
      other.start();
      await receiver.waitFor(1, scaled(20_000));
      await other.idle();
      expect(receiver.requests[0]!.headers['webhook-id']).toBe(id);
      expect(await getOutbox(target.store.db, id)).toMatchObject({ status: 'delivered', attempts: 2 });
    } finally {
      await other.stop(Date.now());
      await done();
    }
  });
});
