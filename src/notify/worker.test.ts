/**
 * The outbox worker against a real loopback receiver on a SQLite store, on a simulated clock: retry
 * timing, dead letters and re-drive, the delivery log, and stopping; each sending on the event loop
 * and on a thread of its own (`sendThread`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock, SystemClock, type Clock } from '../lib/clock.js';
import { openStore, type Store } from '../store/index.js';
import { getOutbox, listDeliveries } from '../store/repos/outbox.js';
import { enqueueNotification, signalOutbox } from './enqueue.js';
import { channel, startReceiver, testSecret, type Receiver, type ReplyFn } from './test-support.js';
import { OutboxWorker, type SettledAttempt } from './worker.js';
import type { Notification } from './types.js';
import { formatDuration } from '../lib/duration.js';
import { scaled } from '../../test/support/timing.js';

let store: Store;
let receiver: Receiver | undefined;
let worker: OutboxWorker | undefined;
/** Whether the suite's workers send on a thread of their own. */
let sendThread = false;

beforeEach(async () => {
  store = await openStore({ url: ':memory:' });
  await store.migrate();
});
afterEach(async () => {
  await worker?.stop(Date.now());
  worker = undefined;
  await receiver?.close();
  receiver = undefined;
  await store.close();
});

const incident = { id: 'inc_1', title: 'API down', severity: 'sev1', status: 'triggered', url: 'http://ops.test/incidents/inc_1' };
const note = (over: Partial<Notification> = {}): Notification => ({ channelId: 'hook', event: 'incident.triggered', incident, ...over });

async function setup(reply: ReplyFn, clock: Clock, opts: { timeout?: string; retry?: Record<string, string> } = {}) {
  receiver = await startReceiver(reply);
  const settled: SettledAttempt[] = [];
  worker = new OutboxWorker({
    store,
    clock,
    channels: [channel({ id: 'hook', kind: 'webhook', url: receiver.url, secrets: [testSecret(1)], timeout: opts.timeout ?? '5s', retry: opts.retry ?? {} })],
    random: () => 0.9999,
    onSettled: (e) => settled.push(e),
    sendThread,
  });
  worker.start();
  return { settled, worker };
}

describe.each([{ thread: false }, { thread: true }])('outbox worker (sends on a thread: $thread)', ({ thread }) => {
  beforeEach(() => {
    sendThread = thread;
  });

  it('retries 5xx, 429 and timeouts with growing delays, under one webhook-id, until delivered', async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
    // The send timeout is real time: long enough that a loaded machine's loopback answers well within
    // it, and the fourth answer comes long after it.
    const timeoutMs = scaled(2_000);
    const answers: Array<ReturnType<ReplyFn>> = [
      { status: 500 },
      { status: 502 },
      { status: 429, headers: { 'retry-after': '30' } },
      { status: 200, delayMs: 10 * timeoutMs }, // answers long after the timeout
      { status: 200 },
    ];
    const { settled, worker: w } = await setup((_r, i) => answers[i]!, clock, { timeout: `${timeoutMs}ms` });
    const { id } = await enqueueNotification(store, clock, note());

    for (let attempt = 1; attempt <= 5; attempt++) {
      await receiver!.waitFor(attempt);
      await w.idle();
      const row = (await getOutbox(store.db, id))!;
      if (attempt < 5) {
        expect(row.status).toBe('pending');
        await clock.advanceTo(row.due_at!);
      } else {
        expect(row.status).toBe('delivered');
      }
    }

    const waits = settled.filter((s) => s.result.state === 'retry').map((s) => (s.result.state === 'retry' ? s.result.dueAt - s.result.at : 0));
    // Ceilings 1s, 2s, 4s, 8s times the injected jitter 0.9999; the 429's Retry-After (30s) wins over 4s.
    expect(waits).toEqual([999, 1999, 30_000, 7999]);
    expect(settled.map((s) => s.outcome.status ?? null)).toEqual([500, 502, 429, null, 200]);
    expect(new Set(receiver!.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([id]));

    const log = await listDeliveries(store.db, { incidentId: 'inc_1' });
    expect(log.map((d) => [d.attempt, d.outcome, d.status_code])).toEqual([
      [1, 'retry', 500],
      [2, 'retry', 502],
      [3, 'retry', 429],
      [4, 'retry', null],
      [5, 'delivered', 200],
    ]);
    expect(log[3]!.error).toBe(`timed out after ${formatDuration(timeoutMs)}`);
  });

  it('dead-letters a 404 at once with the reason, and re-drives it under the same id', async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
    let status = 404;
    const { worker: w } = await setup(() => ({ status, body: 'unknown hook' }), clock);
    const { id } = await enqueueNotification(store, clock, note());
    await receiver!.waitFor(1);
    await w.idle();
    const dead = await w.listDeadLetters();
    expect(dead.map((r) => [r.id, r.status, r.last_status, r.last_error])).toEqual([[id, 'dead', 404, 'HTTP 404: unknown hook']]);

    status = 200;
    await w.redrive(id);
    await receiver!.waitFor(2);
    await w.idle();
    expect((await getOutbox(store.db, id))!.status).toBe('delivered');
    expect(await w.listDeadLetters()).toEqual([]);
    expect(receiver!.requests.map((r) => r.headers['webhook-id'])).toEqual([id, id]);
    expect((await listDeliveries(store.db, { outboxId: id })).map((d) => [d.attempt, d.outcome])).toEqual([
      [1, 'dead'],
      [2, 'delivered'],
    ]);
    await expect(w.redrive(id)).rejects.toMatchObject({ code: 'OPSBOOK_E_OUTBOX_NOT_DEAD' });
    await expect(w.redrive('msg_nope')).rejects.toMatchObject({ code: 'OPSBOOK_E_OUTBOX_UNKNOWN' });
  });

  it('gives up after retry.max_age and says so in the dead letter', async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
    const { worker: w } = await setup(() => ({ status: 503 }), clock, { retry: { max_age: '10s', initial: '1s', max_interval: '4s' } });
    const { id } = await enqueueNotification(store, clock, note());
    let row = (await getOutbox(store.db, id))!;
    for (let i = 1; i <= 20 && row.status !== 'dead'; i++) {
      await receiver!.waitFor(i);
      await w.idle();
      row = (await getOutbox(store.db, id))!;
      if (row.status === 'pending') await clock.advanceTo(row.due_at!);
    }
    expect(row.status).toBe('dead');
    expect(row.last_error).toMatch(/^still failing after retry.max_age \(10s\); last error: HTTP 503/);
    expect(row.dead_at! - row.created_at).toBe(10_000);
  });

  it('dead-letters messages for a channel that is not configured', async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
    const { worker: w } = await setup(() => ({ status: 200 }), clock);
    const { id } = await enqueueNotification(store, clock, note({ channelId: 'gone' }));
    for (let i = 0; i < 50 && (await getOutbox(store.db, id))!.status === 'pending'; i++) await w.idle();
    expect((await getOutbox(store.db, id))!.last_error).toBe('channel gone is not configured');
  });

  it('sends a message enqueued in a committed transaction once signalled, and keeps one row per dedup key', async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
    const { worker: w } = await setup(() => ({ status: 200 }), clock);
    const ids = await store.db.transaction().execute(async (trx) => [
      await enqueueNotification(trx, clock, note({ dedupKey: 'inc_1:step1:ana' })),
      await enqueueNotification(trx, clock, note({ dedupKey: 'inc_1:step1:ana' })),
    ]);
    expect(ids[1]).toEqual({ id: ids[0]!.id, created: false });
    signalOutbox();
    await receiver!.waitFor(1);
    await w.idle();
    expect((await getOutbox(store.db, ids[0]!.id))!.status).toBe('delivered');
    expect(receiver!.requests).toHaveLength(1);
  });

  it('settles attempts that finish together in one transaction with the work settleIn adds, and alone when that work fails', async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
    // The first answer comes alone; the others once its settlement has started (a thread sending
    // would otherwise hand back answers that arrive together as one group).
    let firstSettling!: () => void;
    const firstStarted = new Promise<void>((resolve) => (firstSettling = resolve));
    receiver = await startReceiver((_r, i) => (i === 0 ? { status: 200 } : { status: 200, after: firstStarted }));
    const groups: number[] = [];
    let failing = false;
    let holdFirst: Promise<void> | undefined;
    const pending = () => (worker as unknown as { settling: unknown[] }).settling.length;
    const settled: SettledAttempt[] = [];
    worker = new OutboxWorker({
      store,
      clock,
      channels: [channel({ id: 'hook', kind: 'webhook', url: receiver.url, secrets: [testSecret(1)], timeout: '60s', retry: {} })],
      onSettled: (e) => settled.push(e),
      sendThread,
      settleIn: async (trx, settle) => {
        const attempts = await settle();
        groups.push(attempts.length);
        firstSettling();
        // Work of the same transaction: visible to it, gone with it when it fails.
        await trx.insertInto('notify_keys').values({ name: `group-${groups.length}`, secret: 's', created_at: 0 }).execute();
        if (failing) throw new Error('added work failed');
        // The first group's transaction stays open until the other four sends have finished and wait.
        holdFirst ??= (async () => {
          for (const end = Date.now() + scaled(60_000); pending() < 4 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
        })();
        await holdFirst;
      },
    });
    worker.start();
    for (let i = 0; i < 5; i++) await enqueueNotification(store, clock, note({ dedupKey: `k${i}` }));
    signalOutbox();
    await receiver.waitFor(5);
    for (const end = Date.now() + scaled(60_000); settled.length < 5 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
    await worker.idle();
    expect(groups).toEqual([1, 4]);
    expect(settled.every((e) => e.moved && e.inTransaction && e.result.state === 'delivered')).toBe(true);
    expect((await listDeliveries(store.db, {})).map((d) => d.outcome)).toEqual(Array(5).fill('delivered'));
    expect((await store.db.selectFrom('notify_keys').select('name').where('name', 'like', 'group-%').orderBy('name').execute()).map((r) => r.name)).toEqual(['group-1', 'group-2']);

    // The added work fails: the attempt is still recorded, on its own, without it.
    failing = true;
    await enqueueNotification(store, clock, note({ dedupKey: 'k-fail' }));
    signalOutbox();
    await receiver.waitFor(6);
    for (const end = Date.now() + scaled(60_000); settled.length < 6 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
    await worker.idle();
    expect(settled[5]).toMatchObject({ moved: true, inTransaction: false, result: { state: 'delivered' } });
    expect((await listDeliveries(store.db, {})).map((d) => d.outcome)).toEqual(Array(6).fill('delivered'));
    expect(await store.db.selectFrom('notify_keys').select('name').where('name', '=', 'group-3').executeTakeFirst()).toBeUndefined();
  });

  it('finishes sends in flight on stop, and aborts them once the deadline passes', async () => {
    const clock = new SystemClock();
    let delay = 300;
    const { worker: w } = await setup(() => ({ status: 200, delayMs: delay }), clock);
    const first = await enqueueNotification(store, clock, note());
    await receiver!.waitFor(1);
    await w.stop(clock.now() + 5000);
    expect((await getOutbox(store.db, first.id))!.status).toBe('delivered');

    delay = 5000;
    const { worker: w2 } = await setup(() => ({ status: 200, delayMs: delay }), clock);
    worker = w2;
    const second = await enqueueNotification(store, clock, note({ dedupKey: 'second' }));
    await receiver!.waitFor(1);
    await w2.stop(clock.now() + 100);
    const row = (await getOutbox(store.db, second.id))!;
    expect(row.status).toBe('pending');
    expect(row.last_error).toBe('stopped before the receiver answered');
  });
});
