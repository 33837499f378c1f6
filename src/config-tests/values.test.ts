import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandNumbers, expandSeries, MAX_STEPS, NotationError, type Step } from './values.js';

const words = (steps: Step[]): string[] => steps.map((s) => (s.kind === 'missing' ? '_' : s.kind === 'word' ? s.word : String(s.value)));

describe('series notation', () => {
  it('expands words with repeats, attached or spaced, as that many steps', () => {
    expect(words(expandSeries('ok x3 down x2 _ warning critical up'))).toEqual(['ok', 'ok', 'ok', 'down', 'down', '_', 'warning', 'critical', 'ok']);
    expect(words(expandSeries('okx2 _x2 DOWN'))).toEqual(['ok', 'ok', '_', '_', 'down']);
  });

  it('expands numbers as promtool does: a+bxn is n+1 values, axn repeats a n+1 times', () => {
    expect(words(expandSeries('10+5x4'))).toEqual(['10', '15', '20', '25', '30']);
    expect(words(expandSeries('7x2 100-25x2 0.1+0.1x2'))).toEqual(['7', '7', '7', '100', '75', '50', '0.1', '0.2', '0.3']);
  });

  it('a+bxn always gives an arithmetic progression of n+1 values', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 30 }), (a, b, n) => {
        const steps = expandSeries(`${a}+${b}x${n}`);
        return steps.length === n + 1 && steps.every((s, i) => s.kind === 'number' && s.value === a + i * b);
      }),
      { numRuns: 10_000 },
    );
  });

  it('names the bad token and its column', () => {
    const bad = (text: string): NotationError => {
      try {
        expandSeries(text);
      } catch (e) {
        return e as NotationError;
      }
      throw new Error(`"${text}" was accepted`);
    };
    expect(bad('ok ok dwn')).toMatchObject({ column: 6, message: expect.stringContaining('"dwn" is not a step') });
    expect(bad('x3 ok')).toMatchObject({ column: 0, message: expect.stringContaining('repeats nothing') });
    expect(bad('ok 5+1')).toMatchObject({ column: 3, message: expect.stringContaining('needs a count') });
    expect(bad(`ok x${MAX_STEPS + 1}`).message).toContain('longer than');
  });

  it('latency series take numbers and _ only', () => {
    expect(expandNumbers('100 _ 200+100x1')).toEqual([100, undefined, 200, 300]);
    expect(() => expandNumbers('100 down')).toThrow(/step 2 is "down"/);
  });
});
