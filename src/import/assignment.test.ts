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

  it('finds the best total on small tables, as trying every pairing does', () => {
    // A fixed linear congruential sequence: the same tables every run.
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const best = (w: (number | undefined)[][], r: number, used: Set<number>): number => {
      if (r === w.length) return 0;
      let top = best(w, r + 1, used);
      w[r]!.forEach((x, c) => {
        if (x === undefined || used.has(c)) return;
        used.add(c);
        top = Math.max(top, x + best(w, r + 1, used));
        used.delete(c);
      });
      return top;
    };
    for (let t = 0; t < 200; t++) {
      const rows = 1 + Math.floor(next() * 5);
      const cols = 1 + Math.floor(next() * 5);
      const w = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (next() < 0.3 ? undefined : Math.floor(next() * 10))));
      const pairing = bestPairing(rows, cols, (r, c) => w[r]![c]);
      const taken = pairing.filter((c) => c !== undefined);
      expect(new Set(taken).size).toBe(taken.length);
      const total = pairing.reduce<number>((sum, c, r) => sum + (c === undefined ? 0 : w[r]![c]!), 0);
      expect(total).toBe(best(w, 0, new Set()));
    }
  });
});
