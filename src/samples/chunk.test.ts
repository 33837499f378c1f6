import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeChunk, encodeChunk } from './chunk.js';
import type { StoredSample } from '../promql/index.js';

describe('sample chunks', () => {
  it('round-trips timestamps, values, NaN, ±Inf and stale markers exactly', () => {
    const samples: StoredSample[] = [
      { t: 1_767_225_600_000, v: 0 },
      { t: 1_767_225_615_000, v: 1.5 },
      { t: 1_767_225_630_000, v: Number.NaN },
      { t: 1_767_225_645_000, v: Infinity },
      { t: 1_767_225_660_001, v: -Infinity },
      { t: 1_767_225_675_000, v: Number.NaN, stale: true },
      { t: 1_767_225_690_000, v: 1e300 },
    ];
    const back = decodeChunk(encodeChunk(samples));
    expect(back).toEqual(samples);
    expect(back[2]!.stale).toBeUndefined();
    expect(back[5]!.stale).toBe(true);
  });

  it('packs a steady scrape of a slow counter in a few bytes a sample', () => {
    const samples = Array.from({ length: 120 }, (_, i) => ({ t: 1_767_225_600_000 + i * 15_000, v: 1000 + i * 3 }));
    const bytes = encodeChunk(samples);
    expect(decodeChunk(bytes)).toEqual(samples);
    expect(bytes.length / samples.length).toBeLessThan(4);
  });

  it('round-trips any increasing timestamps and any doubles', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 10_000_000 }), fc.double(), fc.boolean()), { maxLength: 200 }),
        fc.integer({ min: 0, max: 2 ** 42 }),
        (steps, start) => {
          let t = start;
          const samples: StoredSample[] = steps.map(([d, v, stale]) => {
            t += d;
            return stale ? { t, v: Number.NaN, stale: true } : { t, v };
          });
          expect(decodeChunk(encodeChunk(samples))).toEqual(samples);
        },
      ),
    );
  });
});
