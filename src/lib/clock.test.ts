/**
 * Timers never run inside the call that arms them, on either clock: a loop that re-arms itself from
 * its own run (and guards against re-entry) would otherwise lose the wake-up.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { SimulatedClock, SystemClock } from './clock.js';
import { scaled } from '../../test/support/timing.js';

async function until(cond: () => boolean, maxMs = 5000): Promise<void> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > scaled(maxMs)) throw new Error(`condition not met within ${scaled(maxMs)} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Clock.at', () => {
  it('SystemClock: a timer whose instant has passed runs later, not inside at()', async () => {
    const clock = new SystemClock();
    let ran = 0;
    clock.at(clock.now() - 1000, () => ran++);
    expect(ran).toBe(0);
    await until(() => ran === 1);
    expect(ran).toBe(1);
  });

  it('SystemClock: cancelling a past-due timer before it runs stops it', async () => {
    const clock = new SystemClock();
    let ran = 0;
    const cancel = clock.at(clock.now() - 1, () => ran++);
    cancel();
    let other = 0;
    clock.at(clock.now(), () => other++);
    await until(() => other === 1);
    expect(ran).toBe(0);
  });

  it('SimulatedClock: a past-due timer runs on the next advance, once', async () => {
    const clock = new SimulatedClock(0);
    await clock.advance(1000);
    let ran = 0;
    clock.at(500, () => ran++);
    expect(ran).toBe(0);
    await clock.advance(0);
    await clock.advance(10);
    expect(ran).toBe(1);
  });

  it('runs a timer in the async context it was armed in, on either clock (not in the one that moves time)', async () => {
    const context = new AsyncLocalStorage<string>();
    const simulated = new SimulatedClock(0);
    const seen: Array<string | undefined> = [];
    context.run('armed', () => simulated.at(10, () => seen.push(context.getStore())));
    await context.run('advancing', () => simulated.advance(10));
    const system = new SystemClock();
    context.run('armed', () => system.at(system.now(), () => seen.push(context.getStore())));
    await until(() => seen.length === 2);
    expect(seen).toEqual(['armed', 'armed']);
  });
});
