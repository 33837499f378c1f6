import { describe, expect, it } from 'vitest';
import { grantLatency } from './grant-latency.js';

const S = 1000;
const I = 10 * S;

describe('grant → first result', () => {
  it('measures each check of a partition kept after its grant, from the grant and past its due time', () => {
    const leases = new Map([
      // In force when the watch began (no grant), then granted to b at 20 s, kept; c's grant at 40 s lasts 1 s.
      ['checks/00', [{ at: 0, holder: 'a', epoch: 1 }, { at: 18 * S, holder: '-', epoch: 1 }, { at: 20 * S, holder: 'b', epoch: 2 }, { at: 40 * S, holder: 'c', epoch: 3 }, { at: 41 * S, holder: '-', epoch: 3 }]],
    ]);
    const results = new Map([
      // Overdue at the grant (last run 16 s before it): run 1 s after it, 1 s past due.
      ['x', [2 * S, 4 * S, 21 * S, 31 * S]],
      // Due 3 s after the grant: run then, on time.
      ['y', [13 * S, 23 * S, 33 * S]],
      // Never stored a result after the grant.
      ['z', [5 * S]],
    ]);
    expect(grantLatency(results, leases, () => 'checks/00', I, 12 * S)).toEqual({ count: 2, fromGrant: [3 * S, 3 * S, 3 * S], pastDue: [1 * S, 1 * S, 1 * S] });
  });

  it('answers nothing without a kept grant', () => {
    const leases = new Map([['checks/00', [{ at: 0, holder: 'a', epoch: 1 }]]]);
    expect(grantLatency(new Map([['x', [1 * S]]]), leases, () => 'checks/00', I, 12 * S)).toBeUndefined();
  });
});
