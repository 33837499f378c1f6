import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../lib/clock.js';
import { CATCH_UP_WINDOW_MS, CheckScheduler, type LastRun, type SchedulableCheck } from './scheduler.js';
import { nextSlot, phaseOf } from './plan.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const S = 1000;
const INTERVAL = 60 * S;
const TICK = 50;

const check = (id: string, initialDelayMs = 0): SchedulableCheck => ({ id, kind: 'http', intervalMs: INTERVAL, initialDelayMs });
const phase = (id: string) => phaseOf(id, INTERVAL, TICK);
/** Whether `at` is on the check's grid (phase + k × interval). */
const onGrid = (id: string, at: number) => (((at - phase(id)) % INTERVAL) + INTERVAL) % INTERVAL === 0;

/** A started scheduler on a simulated clock whose runs take 100 ms; records the planned time of every run. */
function started(clock: SimulatedClock) {
  const planned = new Map<string, number[]>();
  const scheduler = new CheckScheduler<SchedulableCheck>([], {
    clock,
    run: async (c, at, signal) => {
      planned.set(c.id, [...(planned.get(c.id) ?? []), at]);
      await clock.sleepUntil(clock.now() + 100, signal).catch(() => {});
    },
  });
  scheduler.start();
  return { scheduler, planned, runs: (id: string) => planned.get(id) ?? [] };
}

describe('checks taken over from another process', () => {
  it('runs overdue checks at once, spread over the catch-up window oldest first, then on their grid', async () => {
    const clock = new SimulatedClock(T0);
    const { scheduler, runs } = started(clock);
    const ids = Array.from({ length: 200 }, (_, i) => `c${i}`);
    // c0 last ran longest ago, c199 most recently; all more than an interval ago.
    const lastRuns = new Map<string, LastRun>(ids.map((id, i) => [id, { at: T0 - 5 * INTERVAL + i * 100, ran: true }]));
    scheduler.add(ids.map((id) => check(id)), lastRuns);
    await clock.advance(CATCH_UP_WINDOW_MS + TICK);
    // Every 10 ms one, oldest first; a check whose phase slot comes sooner runs at that slot.
    const atOnce = ids.filter((id, i) => T0 + i * 10 < nextSlot(T0, phase(id), INTERVAL));
    expect(atOnce.length).toBeGreaterThan(180);
    expect(ids.map((id) => runs(id)[0])).toEqual(ids.map((id, i) => Math.min(T0 + i * 10, nextSlot(T0, phase(id), INTERVAL))));

    await clock.advance(3 * INTERVAL);
    await scheduler.stop();
    for (const id of ids) {
      const [caughtUp, ...after] = runs(id);
      expect(after.length, id).toBeGreaterThanOrEqual(2);
      expect(after.every((at) => onGrid(id, at)), id).toBe(true);
      // The slot after the run at once, unless it falls within half an interval of it.
      expect(after[0], id).toBe(nextSlot(caughtUp! + INTERVAL / 2, phase(id), INTERVAL));
    }
  });

  it('keeps the phase slot of a check that ran within its interval, not sooner than half an interval after that run', async () => {
    const clock = new SimulatedClock(T0);
    const { scheduler, runs } = started(clock);
    // One last ran at its slot; one at a run at once off its grid 10 s ago (its slot within the next
    // half interval is skipped, the next one kept).
    const onSlot = 'on-slot';
    const offGrid = 'off-grid';
    const lastSlot = nextSlot(T0, phase(onSlot), INTERVAL) - INTERVAL;
    scheduler.add([check(onSlot), check(offGrid)], new Map([[onSlot, { at: lastSlot, ran: true }], [offGrid, { at: T0 - 10 * S, ran: true }]]));
    await clock.advance(2 * INTERVAL);
    await scheduler.stop();
    expect(runs(onSlot)).toEqual([lastSlot + INTERVAL, lastSlot + 2 * INTERVAL]);
    expect(runs(offGrid)[0]).toBe(nextSlot(T0 + 20 * S, phase(offGrid), INTERVAL));
    expect(runs(offGrid).every((at) => onGrid(offGrid, at))).toBe(true);
  });

  it('a check never run counts from when it was first planned: at once an interval after, at its phase before', async () => {
    const clock = new SimulatedClock(T0);
    const { scheduler, runs } = started(clock);
    scheduler.add([check('missed'), check('new'), check('unknown')], new Map([
      ['missed', { at: T0 - INTERVAL, ran: false }],
      ['new', { at: T0 - 1, ran: false }],
    ]));
    await clock.advance(INTERVAL);
    await scheduler.stop();
    expect(runs('missed')[0]).toBeLessThan(T0 + CATCH_UP_WINDOW_MS);
    for (const id of ['new', 'unknown']) expect(runs(id), id).toEqual([nextSlot(T0, phase(id), INTERVAL)]);
  });

  it('an initial delay still running wins: the check starts at its phase after it', async () => {
    const clock = new SimulatedClock(T0);
    const { scheduler, runs } = started(clock);
    scheduler.add([check('delayed', 30 * S)], new Map([['delayed', { at: T0 - 5 * INTERVAL, ran: true }]]));
    await clock.advance(INTERVAL + 30 * S);
    await scheduler.stop();
    expect(runs('delayed')[0]).toBe(nextSlot(T0 + 30 * S, phase('delayed'), INTERVAL));
  });

  it('plans the checks it starts with the same way', async () => {
    const clock = new SimulatedClock(T0);
    const planned: number[] = [];
    const scheduler = new CheckScheduler([check('overdue')], { clock, run: async (_c, at) => void planned.push(at) });
    scheduler.start(new Map([['overdue', { at: T0 - 2 * INTERVAL, ran: true }]]));
    await clock.advance(TICK);
    await scheduler.stop();
    expect(planned).toEqual([T0]);
  });
});
