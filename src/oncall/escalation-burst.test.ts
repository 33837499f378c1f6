/**
 * Escalations under a burst, on a real SQLite store and the simulated clock: every step of every
 * incident fires exactly once, at the due time persisted in `escalations.next_at`, or on the first
 * tick after a restart when that time passed while the daemon was down. A clock that calls a
 * past-due timer at once (as the system clock does when work overran) must not swallow a tick.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../lib/clock.js';
import { openStore, type Store } from '../store/index.js';
import { EscalationDriver } from './escalation-driver.js';
import { at, policyFromConfig } from './test-support.js';

const SECOND = 1000;
const START = at('2026-03-02T10:00:00Z');
const policy = policyFromConfig({
  steps: [
    { targets: [{ user: 'ann' }], timeout: '1m' },
    { targets: [{ user: 'bob' }], timeout: '1m' },
    { targets: [{ user: 'lead' }], timeout: '1m' },
  ],
});

/** A simulated clock that, like the system clock, runs a timer whose instant has passed right away. */
class EagerClock extends SimulatedClock {
  override at(when: number, fn: () => void): () => void {
    if (when <= this.now()) {
      fn();
      return () => {};
    }
    return super.at(when, fn);
  }
}

interface Fired {
  incident: string;
  step: number;
  seenAt: number;
}

describe('EscalationDriver under a burst', () => {
  let dir: string;
  let store: Store;
  const fired: Fired[] = [];

  /** `workMs`: clock time each page takes to enqueue, so the clock moves on while a run commits. */
  const driver = (clock: SimulatedClock, workMs = 0) =>
    new EscalationDriver({
      store,
      clock,
      policies: [policy],
      schedules: [],
      onNotice: async (n) => {
        fired.push({ incident: n.incidentId, step: n.stepIndex, seenAt: clock.now() });
        if (workMs > 0) await clock.advance(workMs);
      },
    });

  const startAll = (d: EscalationDriver, clock: SimulatedClock, ids: string[]) =>
    Promise.all(ids.map((id) => store.db.transaction().execute((trx) => d.start({ id, openedAt: clock.now() }, 'default', trx))));

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-esc-burst-'));
    store = await openStore({ url: path.join(dir, 'opsbook.db') });
    await store.migrate();
    fired.length = 0;
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Each (incident, step) fired once; returns the instants by key. */
  function firedOnce(): Map<string, number> {
    const byKey = new Map<string, number>();
    for (const f of fired) {
      const key = `${f.incident}#${f.step}`;
      expect(byKey.has(key), `${key} fired twice`).toBe(false);
      byKey.set(key, f.seenAt);
    }
    return byKey;
  }

  for (const count of [20, 50]) {
    it(`${count} incidents opened together with staggered starts: each step fires once, at its due time`, async () => {
      const clock = new SimulatedClock(START);
      const d = driver(clock);
      const opened = new Map<string, number>();
      // Triggered concurrently in groups a few hundred milliseconds apart, as a burst arrives.
      for (let g = 0; g < count / 10; g++) {
        const ids = Array.from({ length: 10 }, (_, i) => `inc-${g * 10 + i}`);
        for (const id of ids) opened.set(id, clock.now());
        await startAll(d, clock, ids);
        await clock.advance(250, () => d.idle());
      }
      await clock.advance(200 * SECOND, () => d.idle());
      const byKey = firedOnce();
      expect(byKey.size).toBe(count * 3);
      for (const [id, t0] of opened) {
        for (const step of [0, 1, 2]) expect(byKey.get(`${id}#${step}`), `${id} step ${step}`).toBe(t0 + step * 60 * SECOND);
      }
      const rows = await store.db.selectFrom('escalations').select(['status', 'next_at']).execute();
      expect(rows.filter((r) => r.status !== 'exhausted' || r.next_at !== null)).toEqual([]);
      await d.close();
    });
  }

  it('time moving while a run commits: a past-due wake-up from an eager clock is not swallowed', async () => {
    const clock = new EagerClock(START);
    const d = driver(clock, 40);
    const opened = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      opened.set(`inc-${i}`, clock.now());
      await startAll(d, clock, [`inc-${i}`]);
      opened.set(`inc-${i}`, clock.now() - 40);
      await clock.advance(7);
    }
    // Small steps without waiting for the driver: runs overlap the clock moving on.
    for (let t = 0; t < 200 * SECOND; t += 50) await clock.advance(50);
    await d.idle();
    const byKey = firedOnce();
    expect(byKey.size).toBe(60);
    for (const [id, t0] of opened) {
      for (const step of [1, 2]) {
        const late = byKey.get(`${id}#${step}`)! - (t0 + step * 60 * SECOND);
        expect(late, `${id} step ${step} late by ${late} ms`).toBeGreaterThanOrEqual(0);
        expect(late, `${id} step ${step} late by ${late} ms`).toBeLessThanOrEqual(20 * 40);
      }
    }
    await d.close();
  });

  it('after a restart, steps whose time passed fire on the first tick, later ones on time', async () => {
    const clock = new SimulatedClock(START);
    const first = driver(clock);
    await startAll(first, clock, Array.from({ length: 20 }, (_, i) => `inc-${i}`));
    await clock.advance(60 * SECOND, () => first.idle()); // step 2 fires on time
    await first.close();
    await clock.advance(70 * SECOND); // down from +60 s to +130 s: step 3 (due +120 s) passed
    const second = driver(clock);
    await second.resume();
    await clock.advance(100 * SECOND, () => second.idle());
    const byKey = firedOnce();
    expect(byKey.size).toBe(60);
    for (let i = 0; i < 20; i++) {
      expect(byKey.get(`inc-${i}#1`)).toBe(START + 60 * SECOND);
      expect(byKey.get(`inc-${i}#2`)).toBe(START + 130 * SECOND);
    }
    await second.close();
  });
});
