import { describe, expect, it } from 'vitest';
import { batchWindowMs } from '../../src/gameday/driver.js';

describe('batchWindowMs: how far apart timers of a game day may fire together', () => {
  it('is half the shortest check timeout or interval, so no probe is timed out by its own batch', () => {
    const config = { checks: [{ id: 'a', interval: 30_000, timeout: 10_000 }, { id: 'b', interval: 60_000, timeout: 2_000 }] };
    expect(batchWindowMs(config)).toBe(1_000);
  });

  it('counts a check interval shorter than any timeout, and channel and ping timeouts anywhere in the config', () => {
    expect(batchWindowMs({ checks: [{ interval: 5_000, timeout: 10_000 }] })).toBe(2_500);
    expect(batchWindowMs({ checks: [{ interval: 30_000, timeout: 10_000 }], channels: [{ id: 'hook', timeout: 800 }] })).toBe(400);
    expect(batchWindowMs({ paging: { watch: { ping_timeout: 300 } } })).toBe(150);
  });

  it('is at most 5 s, and 0 (every timer settled on its own) when a timeout is under 2 ms', () => {
    expect(batchWindowMs({ checks: [{ interval: 3_600_000, timeout: 600_000 }] })).toBe(5_000);
    expect(batchWindowMs({ checks: [{ interval: 30_000, timeout: 1 }] })).toBe(0);
  });

  it('ignores durations that are not timeouts or intervals (a heartbeat period, a grace)', () => {
    expect(batchWindowMs({ checks: [{ interval: 30_000, timeout: 10_000, period: 1_000, grace: 100 }] })).toBe(5_000);
  });
});
