/**
 * The escalation driver on a real SQLite store: pages step by step on a simulated clock, survives
 * a restart (a new driver on the same store catches up on what fell due while it was down), and
 * stops on acknowledgement.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../lib/clock.js';
import { openStore, type Store } from '../store/index.js';
import { EscalationDriver, type EscalationNotice } from './escalation-driver.js';
import { OverrideBook } from './override-book.js';
import { MINUTE, at, policyFromConfig, scheduleFromConfig } from './test-support.js';
import { scaled } from '../../test/support/timing.js';

const policy = policyFromConfig({
  steps: [
    { targets: [{ schedule: 'primary' }], timeout: '15m' },
    { targets: [{ user: 'lead' }], timeout: '1h' },
  ],
});
const primary = scheduleFromConfig({
  time_zone: 'UTC',
  layers: [{ users: ['ann', 'bob'], rotation: { length: '1d', handoff: '09:00', start: '2026-03-01' } }],
});

describe('EscalationDriver', () => {
  let dir: string;
  let store: Store;
  let clock: SimulatedClock;
  const notices: Array<EscalationNotice & { seenAt: number }> = [];

  const driver = () =>
    new EscalationDriver({
      store,
      clock,
      policies: [policy],
      schedules: [primary],
      onNotice: async (n) => {
        notices.push({ ...n, seenAt: clock.now() });
      },
    });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-esc-'));
    store = await openStore({ url: path.join(dir, 'opsbook.db') });
    await store.migrate();
    clock = new SimulatedClock(at('2026-03-02T10:00:00Z'));
    notices.length = 0;
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('pages the on-call person now and the next step after the first timeout', async () => {
    const d = driver();
    await store.db.transaction().execute((trx) => d.start({ id: 'inc-1', openedAt: clock.now() }, 'default', trx));
    expect(notices.map((n) => [n.stepIndex, n.recipients])).toEqual([[0, [{ kind: 'user', user: 'bob', schedule: 'primary' }]]]);
    await clock.advance(14 * MINUTE);
    expect(notices).toHaveLength(1);
    await clock.advance(1 * MINUTE);
    expect(notices.map((n) => [n.stepIndex, n.reason, n.seenAt - at('2026-03-02T10:00:00Z')])).toEqual([
      [0, 'start', 0],
      [1, 'timeout', 15 * MINUTE],
    ]);
    await d.close();
  });

  it('tells of each step that could not run, with how many in a row, and of the step that runs again', async () => {
    const told: string[] = [];
    let refuse = true;
    const d = new EscalationDriver({
      store,
      clock,
      policies: [policy],
      schedules: [primary],
      onNotice: async (n) => {
        if (n.stepIndex === 1 && refuse) throw new Error('injected: page refused');
        notices.push({ ...n, seenAt: clock.now() });
      },
      onStepFailed: (id, f) => told.push(`${id} failed ${f.attempts}: ${(f.err as Error).message}`),
      onStepRan: (id) => told.push(`${id} ran`),
    });
    await store.db.transaction().execute((trx) => d.start({ id: 'inc-f', openedAt: clock.now() }, 'default', trx));
    await clock.advance(15 * MINUTE);
    await d.idle();
    // Tried again after 5 s, then 10 s.
    await clock.advance(15_000);
    await d.idle();
    expect(told).toEqual(['inc-f failed 1: injected: page refused', 'inc-f failed 2: injected: page refused', 'inc-f failed 3: injected: page refused']);
    refuse = false;
    await clock.advance(20_000);
    await d.idle();
    expect(told.slice(3)).toEqual(['inc-f ran']);
    expect(notices.map((n) => n.stepIndex)).toEqual([0, 1]);
    await d.close();
  });

  it('resumes after a restart and sends what fell due while it was down, in order', async () => {
    const first = driver();
    await store.db.transaction().execute((trx) => first.start({ id: 'inc-2', openedAt: clock.now() }, 'default', trx));
    await first.close();
    await clock.advance(20 * MINUTE); // down for 20 minutes: step 2 fell due at minute 15
    const second = driver();
    await second.resume();
    expect(notices.map((n) => [n.stepIndex, n.at - at('2026-03-02T10:00:00Z')])).toEqual([
      [0, 0],
      [1, 15 * MINUTE],
    ]);
    await second.close();
  });

  it('takes its lock first in a step\'s transaction, before the fencing check and the page', async () => {
    const order: string[] = [];
    const d = new EscalationDriver({
      store,
      clock,
      policies: [policy],
      schedules: [primary],
      lock: async () => void order.push('lock'),
      fence: async () => void order.push('fence'),
      owns: () => true,
      pollMs: 3_600_000,
      onNotice: async (n) => void order.push(`notice ${n.stepIndex}`),
    });
    await store.db.transaction().execute((trx) => d.start({ id: 'inc-lock', openedAt: clock.now() }, 'default', trx));
    order.length = 0;
    await clock.advance(15 * MINUTE);
    await d.idle();
    expect(order).toEqual(['lock', 'fence', 'notice 1']);
    await d.close();
  });

  it('stops on acknowledgement: no later step is paged', async () => {
    const d = driver();
    await store.db.transaction().execute((trx) => d.start({ id: 'inc-3', openedAt: clock.now() }, 'default', trx));
    await clock.advance(5 * MINUTE);
    expect(await d.stop('inc-3', 'acknowledged', 'bob', store.db)).toBe('active');
    await clock.advance(2 * 60 * MINUTE);
    expect(notices).toHaveLength(1);
    expect((await d.state('inc-3'))?.status).toBe('acknowledged');
    await d.close();
  });

  it('pages whoever a stored override puts on call, made after the driver started', async () => {
    const d = driver();
    const book = new OverrideBook({ store, clock, config: { schedules: [primary], users: [{ name: 'ann' }, { name: 'bob' }, { name: 'cat' }] } });
    await book.create('primary', { user: 'cat', covers: 'bob', start: '2026-03-02T09:30', end: '2026-03-02T12:00', reason: 'bob at the dentist' }, { name: 'bob', role: 'responder', via: 'cli' }, (f) => f);
    await store.db.transaction().execute((trx) => d.start({ id: 'inc-4', openedAt: clock.now() }, 'default', trx));
    expect(notices.map((n) => n.recipients)).toEqual([[{ kind: 'user', user: 'cat', schedule: 'primary' }]]);
    await d.close();
  });

  it('shared by several processes: looks for escalations others started on real time, and arms nothing on the clock while none is due', async () => {
    const shared = new EscalationDriver({
      store, clock, policies: [policy], schedules: [primary], owns: () => true, pollMs: 50,
      onNotice: async (n) => {
        notices.push({ ...n, seenAt: clock.now() });
      },
    });
    await shared.resume();
    expect(clock.pendingTimers()).toBe(0);
    // Another process (its own clock, at the same instant) starts one and advances nothing of it.
    const other = new EscalationDriver({ store, clock: new SimulatedClock(clock.now()), policies: [policy], schedules: [primary], owns: () => false, pollMs: 3_600_000, onNotice: async () => {} });
    await store.db.transaction().execute((trx) => other.start({ id: 'inc-other', openedAt: clock.now() }, 'default', trx));
    await other.close();
    // This clock never moved: only a poll on real time finds the other's escalation and arms its step.
    for (const end = Date.now() + scaled(20_000); clock.nextTimerAt() === undefined && Date.now() < end; ) await new Promise((r) => setTimeout(r, 25));
    expect(clock.nextTimerAt()).toBe(clock.now() + 15 * MINUTE);
    await clock.advance(15 * MINUTE);
    await shared.idle();
    expect(notices.map((n) => [n.incidentId, n.stepIndex, n.reason])).toEqual([['inc-other', 1, 'timeout']]);
    await shared.close();
  });

  it('shared: leaves a due step another process advances to it, arming no look again on the clock', async () => {
    // Another member holds this incident's partition: its step falls due and stays due here.
    const shared = new EscalationDriver({ store, clock, policies: [policy], schedules: [primary], owns: (id) => id !== 'inc-theirs', pollMs: 3_600_000, onNotice: async (n) => void notices.push({ ...n, seenAt: clock.now() }) });
    await store.db.transaction().execute((trx) => shared.start({ id: 'inc-theirs', openedAt: clock.now() }, 'default', trx));
    await clock.advance(15 * MINUTE);
    await shared.idle();
    expect(notices.map((n) => [n.incidentId, n.stepIndex])).toEqual([['inc-theirs', 0]]);
    // Before, it looked again 100 ms later, and again, as long as the holder left the row due.
    expect(clock.nextTimerAt()).toBeUndefined();
    // A step of its own falling due later is still armed.
    await store.db.transaction().execute((trx) => shared.start({ id: 'inc-mine', openedAt: clock.now() }, 'default', trx));
    expect(clock.nextTimerAt()).toBe(clock.now() + 15 * MINUTE);
    await shared.close();
  });

  it('runs its later steps in the context it was built in, not in that of the work that started the escalation', async () => {
    // In opsbook the context carries a lease: an escalation started while a check's result is
    // handled would otherwise page its later steps, and write their timeline lines, under that lease.
    const context = new AsyncLocalStorage<string>();
    const seen: Array<[number, string | undefined]> = [];
    const d = new EscalationDriver({ store, clock, policies: [policy], schedules: [primary], onNotice: async (n) => void seen.push([n.stepIndex, context.getStore()]) });
    await context.run('a check result', () => store.db.transaction().execute((trx) => d.start({ id: 'inc-ctx', openedAt: clock.now() }, 'default', trx)));
    await clock.advance(15 * MINUTE);
    await d.idle();
    expect(seen).toEqual([
      [0, 'a check result'],
      [1, undefined],
    ]);
    await d.close();
  });
});
