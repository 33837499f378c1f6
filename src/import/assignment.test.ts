import { describe, expect, it } from 'vitest';
import { bestPairing } from './assignment.js';

describe('bestPairing', () => {
  it('gives a later row the column only it can take, where row order would not', () => {
    // Row 0 prefers column 0 a little; row 1 can take column 0 only.
    const w = [
      [2, 1],
      [5, undefined],
    ];
    expect(bestPairing(2, 2, (r, c) => w[r]![c])).toEqual([1, 0]);
  });

  it('leaves a row unpaired when nothing it may take is free, and never pairs a forbidden cell', () => {
    const w = [[3], [4], [undefined]];
    expect(bestPairing(3, 1, (r, c) => w[r]![c])).toEqual([undefined, 0, undefined]);
  });

  it('handles more columns than rows, and no rows', () => {
    const w = [[1, 9, 4]];
    expect(bestPairing(1, 3, (r, c) => w[r]![c])).toEqual([1]);
    expect(bestPairing(0, 3, () => 1)).toEqual([]);
  });
});
