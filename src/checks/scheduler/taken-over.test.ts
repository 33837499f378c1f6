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
/** The first id `${prefix}N` that meets `accept`. */
const idWhere = (prefix: string, accept: (id: string) => boolean): string => {
  for (let k = 0; ; k++) if (accept(`${prefix}${k}`)) return `${prefix}${k}`;
};
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
  it('runs overdue checks at once, spread over the catch-up window oldest first, then each within an interval of its last run and on its grid', async () => {
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
      const all = runs(id);
      const [caughtUp, ...after] = all;
      expect(after.length, id).toBeGreaterThanOrEqual(3);
      // Every run within an interval of the one before, and not within half an interval of it.
      for (let i = 1; i < all.length; i++) expect(all[i]! - all[i - 1]!, `${id} run ${i}`).toBeGreaterThanOrEqual(INTERVAL / 2);
      for (let i = 1; i < all.length; i++) expect(all[i]! - all[i - 1]!, `${id} run ${i}`).toBeLessThanOrEqual(INTERVAL);
      // The slot half an interval or more after the run at once; when that is more than an interval
      // away, half an interval before it first. On the grid from then on.
      const slot = nextSlot(caughtUp! + INTERVAL / 2, phase(id), INTERVAL);
      expect(after.slice(0, 2), id).toEqual(slot > caughtUp! + INTERVAL ? [slot - INTERVAL / 2, slot] : [slot, slot + INTERVAL]);
      expect(after.slice(1).every((at) => onGrid(id, at)), id).toBe(true);
    }
  });

  it('keeps the phase slot of a check that ran within its interval, not sooner than half an interval after that run nor later than an interval after it', async () => {
    const clock = new SimulatedClock(T0);
    const { scheduler, runs } = started(clock);
    // One last ran at its slot; two at a run at once off their grid 10 s ago: one whose slot comes
    // within the interval after that run (its slot within the next half interval is skipped), one
    // whose slot comes only later (it runs within the interval after that run, then on its grid).
    const onSlot = 'on-slot';
    const lastOff = T0 - 10 * S;
    const nearSlot = idWhere('near', (id) => nextSlot(lastOff + INTERVAL / 2, phase(id), INTERVAL) < lastOff + INTERVAL);
    const farSlot = idWhere('far', (id) => nextSlot(lastOff + INTERVAL / 2, phase(id), INTERVAL) > lastOff + INTERVAL);
    const lastSlot = nextSlot(T0, phase(onSlot), INTERVAL) - INTERVAL;
    scheduler.add([check(onSlot), check(nearSlot), check(farSlot)], new Map([[onSlot, { at: lastSlot, ran: true }], [nearSlot, { at: lastOff, ran: true }], [farSlot, { at: lastOff, ran: true }]]));
    await clock.advance(3 * INTERVAL);
    await scheduler.stop();
    expect(runs(onSlot).slice(0, 2)).toEqual([lastSlot + INTERVAL, lastSlot + 2 * INTERVAL]);
    expect(runs(nearSlot)[0]).toBe(nextSlot(lastOff + INTERVAL / 2, phase(nearSlot), INTERVAL));
    expect(runs(nearSlot).every((at) => onGrid(nearSlot, at))).toBe(true);
    // Half an interval before that slot (as its previous holder would have run it), then at the slot.
    const [first, ...then] = runs(farSlot);
    const slot = nextSlot(lastOff + INTERVAL / 2, phase(farSlot), INTERVAL);
    expect(first).toBe(slot - INTERVAL / 2);
    expect(first).toBeLessThanOrEqual(lastOff + INTERVAL);
    expect(then[0]).toBe(slot);
    expect(then.every((at) => onGrid(farSlot, at))).toBe(true);
  });

  it('runs at once a check whose next slot passed unrun, though its last run, off its grid, is less than an interval old', async () => {
    const clock = new SimulatedClock(T0);
    const { scheduler, runs } = started(clock);
    // Its previous holder ran it at once 40 s ago (off its grid, after a move of its own); its slot
    // half an interval after that came 10 s ago, and that holder had stopped by then.
    const last = T0 - 40 * S;
    const id = idWhere('missed-slot', (c) => nextSlot(last + INTERVAL / 2, phase(c), INTERVAL) < T0);
    scheduler.add([check(id)], new Map([[id, { at: last, ran: true }]]));
    await clock.advance(INTERVAL);
    await scheduler.stop();
    // Not at its slot after (up to 110 s after its last run): at once.
    expect(runs(id)[0]).toBeLessThanOrEqual(T0 + CATCH_UP_WINDOW_MS);
  });

  it('counts a last run stamped later than now (by a holder whose clock is ahead) as now', async () => {
    const clock = new SimulatedClock(T0);
    const { scheduler, runs } = started(clock);
    scheduler.add([check('ahead')], new Map([['ahead', { at: T0 + 5 * INTERVAL, ran: true }]]));
    await clock.advance(INTERVAL);
    await scheduler.stop();
    expect(runs('ahead')[0]).toBeGreaterThanOrEqual(T0 + INTERVAL / 2);
    expect(runs('ahead')[0]).toBeLessThanOrEqual(T0 + INTERVAL);
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
