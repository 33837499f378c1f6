import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseLabel } from './phases.js';

/** `normaliseLabel` as its steps say it, each step run on every label. */
function everyStep(label: string): string {
  return label
    .toLowerCase()
    .replace(/\(.*?\)/g, ' ')
    .replace(/^\s*(step\s*)?\d+[.):]?\s*/, '')
    .replace(/^\s*\[\d+\/\d+\]\s*/, '')
    .replace(/[:.!]+\s*$/, '')
    .replace(/[*_`]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Labels as runbooks write them, and the characters each step of `normaliseLabel` looks for. */
const piece = fc.oneof(
  fc.constantFrom('Diagnosis', 'Symptoms', 'Step 2', '2.', '(quick)', '[1/3]', ':', '.', '!', '**', '_', '`', ' ', '  ', '\t', '\n', '\u00a0', '\u2003', 'É', 'ß', 'İ', 'and', '/', '&'),
  fc.string({ maxLength: 6 }),
);

describe('normaliseLabel', () => {
  it('reads every generated label as its steps, each run on every label, would', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const label = pieces.join('');
        expect(normaliseLabel(label)).toBe(everyStep(label));
      }),
      { numRuns: 20_000 },
    );
  });
});
