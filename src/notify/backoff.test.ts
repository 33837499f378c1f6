import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backoffCeiling, nextRetry } from './backoff.js';

const policy = { initialMs: 1000, maxIntervalMs: 600_000, maxAgeMs: 86_400_000 };

describe('backoff', () => {
  it('doubles from retry.initial up to retry.max_interval', () => {
    expect([1, 2, 3, 4, 5, 10, 11, 50].map((n) => backoffCeiling(policy, n))).toEqual([1000, 2000, 4000, 8000, 16000, 512_000, 600_000, 600_000]);
  });

  it('waits a uniform time under the ceiling (full jitter), never past the window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), fc.integer({ min: 0, max: 86_399_999 }), (retry, r, age) => {
        const now = 1_000_000_000 + age;
        const d = nextRetry(policy, { now, windowStart: 1_000_000_000, retry, random: () => r });
        expect(d.retry).toBe(true);
        if (!d.retry) return;
        expect(d.at).toBeGreaterThanOrEqual(now);
        expect(d.at - now).toBeLessThanOrEqual(backoffCeiling(policy, retry));
        expect(d.at).toBeLessThanOrEqual(1_000_000_000 + policy.maxAgeMs);
      }),
      { numRuns: 10_000 },
    );
  });

  it('honours Retry-After as a minimum and gives up once max_age has passed', () => {
    const d = nextRetry(policy, { now: 10, windowStart: 0, retry: 1, retryAfterMs: 120_000, random: () => 0.5 });
    expect(d).toEqual({ retry: true, at: 120_010 });
    const late = nextRetry(policy, { now: 86_400_000, windowStart: 0, retry: 30, random: () => 0.5 });
    expect(late).toMatchObject({ retry: false, reason: expect.stringContaining('max_age') });
  });
});
