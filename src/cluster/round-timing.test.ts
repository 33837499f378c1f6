/**
 * When a cluster member's next lease round begins: a third of a lease after the last round began,
 * so a round slowed by a loaded machine or a lock wait does not push the next renewal past the lease.
 */
import { describe, expect, it } from 'vitest';
import { nextRoundIn } from './coordinator.js';

describe('the next lease round', () => {
  const lease = 15_000;

  it('begins a third of a lease after the last round began, however long that round took', () => {
    // A round that began at 1,000 and ended at 1,400: the next begins at 6,000.
    expect(1_400 + nextRoundIn(lease, 1_000, 1_400)).toBe(6_000);
    expect(1_000 + nextRoundIn(lease, 1_000, 1_000)).toBe(6_000);
  });

  it('renews within the lease after a round that took two thirds of it', () => {
    // Began at 0 (renewed then, good until 15,000), ended at 10,000: counted from its end the next
    // renewal came at 15,000, when the leases ran out; now 200 ms after the round ended.
    const began = 0;
    const ended = (2 * lease) / 3;
    const next = ended + nextRoundIn(lease, began, ended);
    expect(next).toBe(ended + 200);
    expect(next).toBeLessThan(began + lease);
  });

  it('never runs rounds back to back, and waits the 200 ms minimum before the first', () => {
    expect(nextRoundIn(lease, 0, 60_000)).toBe(200);
    expect(nextRoundIn(lease, -Infinity, 0)).toBe(200);
    expect(nextRoundIn(300, 0, 0)).toBe(200);
  });
});
