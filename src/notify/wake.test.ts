/**
 * Page latency: the commit that writes a page wakes the outbox worker, which sends at once; its poll
 * is only for other processes' rows. Shown with a poll interval of an hour on a clock that never moves.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { SimulatedClock } from '../lib/clock.js';
import { openStore, type Store } from '../store/index.js';
import { enqueueNotification, signalOutbox } from './enqueue.js';
import { channel, startReceiver, testSecret } from './test-support.js';
import { OutboxWorker } from './worker.js';
import { scaled } from '../../test/support/timing.js';

interface Setup {
  store: Store;
  clock: SimulatedClock;
  worker: OutboxWorker;
  receiver: Awaited<ReturnType<typeof startReceiver>>;
}

/** A SQLite store, a receiver answering 200 and a started worker on a clock that never moves, with `pollIntervalMs`. */
async function withWorker(pollIntervalMs: number, fn: (s: Setup) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-wake-'));
  const store = await openStore({ url: path.join(dir, 'opsbook.db') });
  const receiver = await startReceiver(() => ({ status: 200 }));
  const clock = new SimulatedClock(1_000_000);
  const worker = new OutboxWorker({
    store, clock, pollIntervalMs,
    channels: [channel({ id: 'hook', kind: 'webhook', url: receiver.url, secrets: [testSecret(1)] })],
  });
  try {
    await store.migrate();
    worker.start();
    await fn({ store, clock, worker, receiver });
  } finally {
    await worker.stop();
    await receiver.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const page = (id: string) => ({ channelId: 'hook', event: 'incident.triggered' as const, incident: { id, title: 'disk full', severity: 'sev2', status: 'triggered', url: 'http://ops.test/i' } });

it('sends a page written in a transaction as soon as the commit signals, without a poll', () =>
  withWorker(3_600_000, async ({ store, clock, worker, receiver }) => {
    await worker.idle(); // the first look finds nothing and waits an hour
    await store.db.transaction().execute((trx) => enqueueNotification(trx, clock, page('inc_wake')));
    signalOutbox();
    await receiver.waitFor(1, scaled(20_000));
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ data: { incident: { id: 'inc_wake' } } });
  }));

it("finds another process's row by its poll on real time, and arms nothing on the clock while nothing is due", () =>
  // A clock that never moves: only a poll on real time can find the row.
  withWorker(50, async ({ store, clock, worker, receiver }) => {
    await worker.idle();
    // Nothing due: a simulated clock has no timer of the worker's to step to.
    expect(clock.pendingTimers()).toBe(0);
    // Written in a transaction and never signalled, as another process's row is.
    await store.db.transaction().execute((trx) => enqueueNotification(trx, clock, page('inc_other')));
    await receiver.waitFor(1, scaled(20_000));
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ data: { incident: { id: 'inc_other' } } });
  }));

it('sends and settles in the context it was built in, not in that of the commit that woke it', async () => {
  // In opsbook the context carries a lease: a page written while a check's result is handled would
  // otherwise have the deliveries of that pump (their timeline lines, a failing channel's incident)
  // written under that check's lease.
  const context = new AsyncLocalStorage<string>();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-wake-'));
  const store = await openStore({ url: path.join(dir, 'opsbook.db') });
  const receiver = await startReceiver(() => ({ status: 200 }));
  const clock = new SimulatedClock(1_000_000);
  const settledIn: Array<string | undefined> = [];
  const worker = new OutboxWorker({
    store, clock, pollIntervalMs: 3_600_000,
    channels: [channel({ id: 'hook', kind: 'webhook', url: receiver.url, secrets: [testSecret(1)] })],
    onSettled: () => void settledIn.push(context.getStore()),
  });
  try {
    await store.migrate();
    worker.start();
    await worker.idle();
    await context.run('a check result', async () => {
      await store.db.transaction().execute((trx) => enqueueNotification(trx, clock, page('inc_context')));
      signalOutbox();
    });
    await receiver.waitFor(1, scaled(20_000));
    await worker.idle();
    expect(settledIn).toEqual([undefined]);
  } finally {
    await worker.stop();
    await receiver.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
