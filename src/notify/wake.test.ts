/**
 * Page latency: the commit that writes a page wakes the outbox worker, which sends at once; its poll
 * is only for other processes' rows. Shown with a poll interval of an hour on a clock that never moves.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { SimulatedClock } from '../lib/clock.js';
import { openStore } from '../store/index.js';
import { enqueueNotification, signalOutbox } from './enqueue.js';
import { channel, startReceiver, testSecret } from './test-support.js';
import { OutboxWorker } from './worker.js';
import { scaled } from '../../test/support/timing.js';

it('sends a page written in a transaction as soon as the commit signals, without a poll', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-wake-'));
  const store = await openStore({ url: path.join(dir, 'opsbook.db') });
  const receiver = await startReceiver(() => ({ status: 200 }));
  const clock = new SimulatedClock(1_000_000);
  const worker = new OutboxWorker({
    store, clock, pollIntervalMs: 3_600_000,
    channels: [channel({ id: 'hook', kind: 'webhook', url: receiver.url, secrets: [testSecret(1)] })],
  });
  try {
    await store.migrate();
    worker.start();
    await new Promise((r) => setTimeout(r, 50)); // the first look finds nothing and waits an hour
    const note = { channelId: 'hook', event: 'incident.triggered' as const, incident: { id: 'inc_wake', title: 'disk full', severity: 'sev2', status: 'triggered', url: 'http://ops.test/i' } };
    await store.db.transaction().execute((trx) => enqueueNotification(trx, clock, note));
    signalOutbox();
    await receiver.waitFor(1, scaled(20_000));
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ data: { incident: { id: 'inc_wake' } } });
  } finally {
    await worker.stop();
    await receiver.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

it("finds another process's row by its poll on real time, and arms nothing on the clock while nothing is due", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-wake-'));
  const store = await openStore({ url: path.join(dir, 'opsbook.db') });
  const receiver = await startReceiver(() => ({ status: 200 }));
  // A clock that never moves: only a poll on real time can find the row.
  const clock = new SimulatedClock(1_000_000);
  const worker = new OutboxWorker({
    store, clock, pollIntervalMs: 50,
    channels: [channel({ id: 'hook', kind: 'webhook', url: receiver.url, secrets: [testSecret(1)] })],
  });
  try {
    await store.migrate();
    worker.start();
    await worker.idle();
    // Nothing due: a simulated clock has no timer of the worker's to step to.
    expect(clock.pendingTimers()).toBe(0);
    const note = { channelId: 'hook', event: 'incident.triggered' as const, incident: { id: 'inc_other', title: 'disk full', severity: 'sev2', status: 'triggered', url: 'http://ops.test/i' } };
    // Written in a transaction and never signalled, as another process's row is.
    await store.db.transaction().execute((trx) => enqueueNotification(trx, clock, note));
    await receiver.waitFor(1, scaled(20_000));
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ data: { incident: { id: 'inc_other' } } });
  } finally {
    await worker.stop();
    await receiver.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
