import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../lib/clock.js';
import { RETRY_AFTER_ERROR_MS } from '../lib/rearm.js';
import { PeriodicTask } from './periodic.js';

describe('PeriodicTask', () => {
  it('runs at each instant `next` names, one run at a time, and again after a failed run', async () => {
    const clock = new SimulatedClock(0);
    const runs: number[] = [];
    const errors: unknown[] = [];
    let release: (() => void) | undefined;
    const task = new PeriodicTask({
      clock,
      next: (now) => now + 1_000,
      run: async () => {
        runs.push(clock.now());
        if (runs.length === 2) throw new Error('second run fails');
        if (runs.length === 3) await new Promise<void>((r) => (release = r));
      },
      onError: (e) => errors.push(e),
    });
    task.start();
    await clock.advance(2_500);
    expect(runs).toEqual([1_000, 2_000]);
    expect(errors).toEqual([new Error('second run fails')]);
    await clock.advance(1_000);
    expect(runs).toEqual([1_000, 2_000, 3_000]);
    // The third run is still going: nothing is armed until it ends, so no run overlaps it.
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(5_000);
    expect(runs).toHaveLength(3);
    release!();
    await task.idle();
    expect(clock.pendingTimers()).toBe(1);
    await task.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('stays unarmed while `next` answers undefined, and a reload reads `next` again', async () => {
    const clock = new SimulatedClock(0);
    let on = false;
    let runs = 0;
    const task = new PeriodicTask({ clock, next: (now) => (on ? now + 60_000 : undefined), run: async () => void runs++, onError: () => undefined });
    task.start();
    expect(clock.pendingTimers()).toBe(0);
    on = true;
    task.reload();
    expect(clock.nextTimerAt()).toBe(60_000);
    await clock.advance(60_000);
    expect(runs).toBe(1);
    on = false;
    task.reload();
    expect(clock.pendingTimers()).toBe(0);
    await task.stop();
  });

  it('stop waits for the run in progress and arms nothing after it', async () => {
    const clock = new SimulatedClock(0);
    let finish: (() => void) | undefined;
    let done = false;
    const task = new PeriodicTask({ clock, next: (now) => now + 10, run: () => new Promise<void>((r) => (finish = r)).then(() => void (done = true)), onError: () => undefined });
    task.start();
    await clock.advance(10);
    const stopped = task.stop();
    finish!();
    await stopped;
    expect(done).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a `next` that throws (a schedule it cannot read) is reported and asked again a little later, never ending the task', async () => {
    const clock = new SimulatedClock(0);
    const runs: number[] = [];
    const errors: unknown[] = [];
    let broken = false;
    const task = new PeriodicTask({
      clock,
      next: (now) => {
        if (broken) throw new Error('schedule unreadable');
        return now + 1_000;
      },
      run: async () => {
        runs.push(clock.now());
        // Armed again after this first run: `next` throws there, in the run's own chain.
        if (runs.length === 1) broken = true;
      },
      onError: (e) => errors.push(e),
    });
    task.start();
    await clock.advance(1_000);
    await task.idle();
    expect(errors).toEqual([new Error('schedule unreadable')]);
    expect(clock.pendingTimers()).toBe(1);
    broken = false;
    await clock.advance(RETRY_AFTER_ERROR_MS + 1_000);
    expect(runs).toEqual([1_000, 1_000 + RETRY_AFTER_ERROR_MS + 1_000]);
    // At start too: the error is reported, not thrown into the daemon's start.
    const other = new PeriodicTask({ clock, next: () => { throw new Error('at start'); }, run: async () => undefined, onError: (e) => errors.push(e) });
    other.start();
    expect(errors.at(-1)).toEqual(new Error('at start'));
    await other.stop();
    await task.stop();
  });
});
