import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { codeSpanTokens } from './inline-code.js';

/**
 * `codeSpanTokens` makes the inline tokens of text and code spans without markdown-it's inline
 * parser: whatever it reads must be what markdown-it's own inline parse gives, and it must read
 * the code spans runbooks are written with.
 */
const md = new MarkdownIt({ html: true, linkify: false });
const Token = md.core.State.prototype.Token;

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('`', '``', '```', 'kubectl get pods', ' ', '  ', 'a', 'DATABASE_URL', 'x*y', '[x]', '<pod>', '&amp;', '\\', '\\`', '~', '!', '\n', '\u2028', '#', ':', '-') },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
);

describe('text and code spans made without the inline parser', () => {
  it('are the tokens markdown-it gives', () => {
    let read = 0;
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 14 }), (pieces) => {
        const src = pieces.join('');
        const fast = codeSpanTokens(src, Token);
        if (fast === undefined) return;
        read++;
        expect(fast).toEqual(md.parseInline(src, {})[0]!.children);
      }),
      { numRuns: 30_000 },
    );
    expect(read).toBeGreaterThan(3000);
  });

  it('reads the code spans runbooks are written with, underscores and stars inside them included', () => {
    for (const src of ['Run `kubectl get pods` first', '`DATABASE_URL_TENANT_{NAME}`', '`a*b` and `c_d`', '``a ` b``', 'unclosed ` tick', '`x` `` y ``']) {
      expect(codeSpanTokens(src, Token), src).toEqual(md.parseInline(src, {})[0]!.children);
    }
    for (const src of ['`x` and _y_', '`x` [link](y)', 'a\\`b`', '`x` &amp;']) expect(codeSpanTokens(src, Token), src).toBeUndefined();
  });
});
