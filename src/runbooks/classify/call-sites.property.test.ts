import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CALL_SITE, readCallSites } from './call-sites.js';
import { bareCode, JS_STRIP, PY_STRIP } from './code-calls.js';

/**
 * `readCallSites` reads a snippet's calls without trying `CALL_SITE` at every position, and
 * `bareCode` strips strings and comments only from text that may hold one: each must give what
 * the pattern gives, on generated snippets made of the characters the patterns look at.
 */
const piece = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('get', 'delete', 'print', 'if', 'db', 'x1', '_a', '$', '$set', '12', '9ab', 'objects', 'filter') },
  { weight: 3, arbitrary: fc.constantFrom('.', '(', ')', ' ', '  ', '\t', '\n', '\r', '\u00a0', '\u2028', '\ufeff', '=', '==', ';', ',', 'é', '"', "'", '#', '`', '/', '//', '/*', '*/', '"""', '\\') },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
);
const snippet = fc.array(piece, { maxLength: 24 }).map((p) => p.join(''));

describe('calls read from Python and JavaScript snippets', () => {
  it('are the matches of the call pattern', () => {
    fc.assert(
      fc.property(snippet, (code) => {
        const expected = [...code.matchAll(CALL_SITE)].map((m) => ({ name: m[2]!, method: Boolean(m[1]) }));
        expect(readCallSites(code)).toEqual(expected);
      }),
      { numRuns: 50_000 },
    );
  });

  it('are read from the snippet with its strings and comments stripped as the patterns strip them', () => {
    fc.assert(
      fc.property(snippet, (code) => {
        expect(bareCode(code, 'python')).toBe(code.replace(PY_STRIP, '""'));
        expect(bareCode(code, 'javascript')).toBe(code.replace(JS_STRIP, '""'));
      }),
      { numRuns: 20_000 },
    );
  });
});
