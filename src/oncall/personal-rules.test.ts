/**
 * Per-person notification rules and severity/time-conditional steps, through the escalation driver
 * on a real SQLite store and a simulated clock: a person's rules page by push at 0 min, SMS at 5 and
 * voice at 10 and stop at acknowledgement; their timers survive a restart; a P1 acknowledged but
 * unresolved reaches the VP at 60 min, while a P2, or a P1 resolved before 60 min, does not.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../lib/clock.js';
import { openStore, type Store } from '../store/index.js';
import { EscalationDriver, type EscalationNotice } from './escalation-driver.js';
import { MINUTE, at, policyFromConfig, scheduleFromConfig } from './test-support.js';
import type { PersonalRule } from './types.js';

const T0 = at('2026-03-02T10:00:00Z');
const policy = policyFromConfig({
  steps: [
    { targets: [{ user: 'ann' }], timeout: '30m' },
    { targets: [{ user: 'lead' }], timeout: '30m', severities: ['P1'] },
    { targets: [{ user: 'vp' }], after_open: '1h', severities: ['P1'] },
  ],
});
// The same rules reach whoever a schedule has on call.
const viaSchedule = { ...policyFromConfig({ steps: [{ targets: [{ schedule: 'primary' }], timeout: '30m' }] }), id: 'on-call' };
const primary = scheduleFromConfig({
  time_zone: 'UTC',
  layers: [{ users: ['ann', 'bob'], rotation: { length: '1d', handoff: '09:00', start: '2026-03-02' } }],
});
const RULES: Record<string, PersonalRule[]> = {
  ann: [
    { afterMs: 0, via: ['push'] },
    { afterMs: 5 * MINUTE, via: ['sms'] },
    { afterMs: 10 * MINUTE, via: ['voice'] },
  ],
};

describe('personal notification rules and conditional steps', () => {
  let dir: string;
  let store: Store;
  let clock: SimulatedClock;
  let drivers: EscalationDriver[];
  const pages: string[] = [];

  const driver = () => {
    const d = new EscalationDriver({
      store,
      clock,
      policies: [policy, viaSchedule],
      schedules: [primary],
      rules: (user) => RULES[user],
      onNotice: async (n: EscalationNotice) => {
        for (const r of n.recipients) {
          if (r.kind === 'user') pages.push(`${(clock.now() - T0) / MINUTE}m ${n.incidentId} ${r.user} ${r.via?.join('+') ?? 'all'} (${n.reason})`);
        }
      },
    });
    drivers.push(d);
    return d;
  };
  const start = (d: EscalationDriver, id: string, severity: string) =>
    store.db.transaction().execute((trx) => d.start({ id, openedAt: clock.now(), severity }, 'default', trx));

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-rules-'));
    store = await openStore({ url: path.join(dir, 'opsbook.db') });
    await store.migrate();
    clock = new SimulatedClock(T0);
    drivers = [];
    pages.length = 0;
  });
  afterEach(async () => {
    for (const d of drivers) await d.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('pages by push at 0 min, SMS at 5, voice at 10, and stops at acknowledgement', async () => {
    const d = driver();
    await start(d, 'inc-1', 'P2');
    await clock.advance(12 * MINUTE);
    expect(pages).toEqual(['0m inc-1 ann push (start)', '5m inc-1 ann sms (rule)', '10m inc-1 ann voice (rule)']);

    pages.length = 0;
    await start(d, 'inc-2', 'P2');
    await clock.advance(7 * MINUTE);
    expect(await d.stop('inc-2', 'acknowledged', 'ann', store.db)).toBe('active');
    await clock.advance(3 * 60 * MINUTE);
    expect(pages).toEqual(['12m inc-2 ann push (start)', '17m inc-2 ann sms (rule)']);
    expect((await d.state('inc-2'))?.nextAt).toBeNull();
  });

  it("applies the on-call person's rules when a step pages a schedule, and a timed step outlives a restart", async () => {
    const d = driver();
    await store.db.transaction().execute((trx) => d.start({ id: 'sched', openedAt: clock.now(), severity: 'P3' }, 'on-call', trx));
    await clock.advance(6 * MINUTE);
    expect(pages).toEqual(['0m sched ann push (start)', '5m sched ann sms (rule)']);
    await d.stop('sched', 'acknowledged', 'ann', store.db);

    pages.length = 0;
    await start(d, 'p1-restart', 'P1');
    await d.stop('p1-restart', 'acknowledged', 'ann', store.db);
    await d.close();
    await clock.advance(70 * MINUTE); // down when the timed step fell due
    await driver().resume();
    expect(pages).toEqual(['6m p1-restart ann push (start)', '76m p1-restart vp all (after_open)']);
  });

  it('keeps rule timers across a restart and sends what fell due while down, at its instant', async () => {
    const first = driver();
    await start(first, 'inc-3', 'P2');
    await first.close();
    await clock.advance(7 * MINUTE); // down: the 5-minute SMS rule fell due
    const second = driver();
    await second.resume();
    expect(pages).toEqual(['0m inc-3 ann push (start)', '7m inc-3 ann sms (rule)']);
    await clock.advance(3 * MINUTE);
    expect(pages.at(-1)).toBe('10m inc-3 ann voice (rule)');
  });

  it('pages the VP when a P1 is acknowledged but unresolved at 60 min, not for a P2 nor a P1 resolved in time', async () => {
    const d = driver();
    await start(d, 'p1', 'P1');
    await start(d, 'p2', 'P2');
    await start(d, 'p1-fixed', 'P1');
    await clock.advance(MINUTE);
    for (const id of ['p1', 'p2', 'p1-fixed']) await d.stop(id, 'acknowledged', 'ann', store.db);
    await clock.advance(40 * MINUTE);
    await d.stop('p1-fixed', 'resolved', 'ann', store.db);
    await clock.advance(59 * MINUTE - 41 * MINUTE - 1);
    expect(pages.filter((p) => p.includes(' vp '))).toEqual([]);
    await clock.advance(1);
    await clock.advance(3 * 60 * MINUTE);
    expect(pages.filter((p) => p.includes(' vp ') || p.includes(' lead '))).toEqual(['60m p1 vp all (after_open)']);
    // The P1 resolved in time has nothing left pending; the other P1 stays acknowledged, its timed step spent.
    expect((await d.state('p1-fixed'))?.nextAt).toBeNull();
    expect((await d.state('p1'))).toMatchObject({ status: 'acknowledged', nextAt: null });
  });

  it('skips chain steps of other severities: a P2 goes from ann to exhaustion, a P1 to the lead', async () => {
    const d = driver();
    await start(d, 'p2', 'P2');
    await start(d, 'p1', 'P1');
    await clock.advance(31 * MINUTE);
    expect(pages.filter((p) => p.includes(' lead '))).toEqual(['30m p1 lead all (timeout)']);
    expect((await d.state('p2'))?.status).toBe('exhausted');
  });
});
