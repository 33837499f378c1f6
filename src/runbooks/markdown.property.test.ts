import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anchorOf } from './markdown.js';

/** `anchorOf` as its patterns say it, run on every title. */
function byPatterns(title: string): string {
  const l = title.toLowerCase().trim();
  return (/[\u0080-\uffff]/.test(l) ? l.replace(/[^\p{L}\p{N}\s_-]/gu, '') : l.replace(/[^A-Za-z0-9\s_-]/g, '')).replace(/\s/g, '-');
}

const piece = fc.oneof(
  fc.constantFrom('Database', 'connection pool', 'Step 2', '-', '_', ' ', '  ', '\t', '\n', '(quick)', 'RB-001:', 'É', 'ß', 'İ', '\u00a0', '`code`', '/', '.', '&'),
  fc.string({ maxLength: 5 }),
);

describe('anchorOf', () => {
  it('gives every generated title the anchor its patterns give', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const title = pieces.join('');
        expect(anchorOf(title)).toBe(byPatterns(title));
      }),
      { numRuns: 20_000 },
    );
  });
});
