import { describe, expect, it } from 'vitest';
import { SimulatedClock } from './clock.js';
import { Deadlines, deadlinesOf } from './deadlines.js';

describe('Deadlines: many deadlines behind one clock timer', () => {
  it('fires each deadline at its instant, in order, with one timer armed however many wait', async () => {
    const clock = new SimulatedClock(0);
    const d = new Deadlines(clock);
    const fired: string[] = [];
    for (let i = 0; i < 100; i++) d.after(5000, () => fired.push(`a${i}@${clock.now()}`));
    await clock.advance(1000);
    d.after(200, () => fired.push(`b@${clock.now()}`));
    d.after(5000, () => fired.push(`c@${clock.now()}`));
    expect(clock.pendingTimers()).toBe(1);
    expect(d.size).toBe(102);
    await clock.advance(300);
    expect(fired).toEqual(['b@1200']);
    await clock.advance(3700);
    expect(fired).toHaveLength(101);
    expect(fired.at(-1)).toBe('a99@5000');
    await clock.advance(1000);
    expect(fired.at(-1)).toBe('c@6000');
    expect(d.size).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('never fires a cancelled deadline, and takes its timer off once none is left', async () => {
    const clock = new SimulatedClock(0);
    const d = new Deadlines(clock);
    const fired: number[] = [];
    const cancels = Array.from({ length: 3000 }, (_, i) => d.after(100, () => fired.push(i)));
    cancels.forEach((cancel, i) => i !== 2500 && cancel());
    cancels[0]!(); // twice is harmless
    expect(d.size).toBe(1);
    await clock.advance(100);
    expect(fired).toEqual([2500]);
    const cancel = d.after(100, () => fired.push(-1));
    expect(clock.pendingTimers()).toBe(1);
    cancel();
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(1000);
    expect(fired).toEqual([2500]);
  });

  it('keeps cancel handles right across the lane being compacted', async () => {
    const clock = new SimulatedClock(0);
    const d = new Deadlines(clock);
    const fired: number[] = [];
    const keep = d.after(10_000, () => fired.push(0));
    for (let round = 1; round <= 5; round++) {
      const cancels = Array.from({ length: 2000 }, (_, i) => d.after(1000, () => fired.push(round * 10_000 + i)));
      cancels.forEach((c, i) => i % 1000 !== 7 && c());
      await clock.advance(1000);
      // Stale handles of entries already passed change nothing.
      cancels.forEach((c) => c());
    }
    expect(fired).toEqual([10_007, 11_007, 20_007, 21_007, 30_007, 31_007, 40_007, 41_007, 50_007, 51_007]);
    await clock.advance(5000);
    expect(fired.at(-1)).toBe(0);
    keep();
    expect(d.size).toBe(0);
  });

  it('never calls back inside after(), even for a deadline already due', async () => {
    const clock = new SimulatedClock(0);
    const d = new Deadlines(clock);
    let called = false;
    d.after(0, () => (called = true));
    expect(called).toBe(false);
    await clock.advance(0);
    expect(called).toBe(true);
  });

  it('is shared per clock', () => {
    const a = new SimulatedClock(0);
    expect(deadlinesOf(a)).toBe(deadlinesOf(a));
    expect(deadlinesOf(a)).not.toBe(deadlinesOf(new SimulatedClock(0)));
  });
});
