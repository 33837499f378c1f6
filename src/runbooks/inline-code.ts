import type { Token } from 'markdown-it';

type TokenClass = new (type: string, tag: string, nesting: -1 | 0 | 1) => Token;

/**
 * Outside a code span, the characters where an inline rule other than the code span's can start
 * (line break, escape, strikethrough, emphasis, link, autolink or HTML, entity). Text holding none
 * of them outside its code spans is text and code spans only.
 */
function startsOtherRule(c: number): boolean {
  return c === 10 || c === 92 || c === 126 || c === 42 || c === 95 || c === 91 || c === 60 || c === 38;
}

/**
 * markdown-it's inline tokens for text made of plain text and code spans (`` Run `kubectl get
 * pods` first ``, `` `DATABASE_URL` ``), made without an inline parser state and its passes, or
 * undefined when anything outside the code spans could start another inline rule. As markdown-it's
 * backtick rule reads them: a run of backticks opens a span closed by the next run of the same
 * length, or is text when no such run follows; the span's content has its line breaks turned to
 * spaces and one space stripped from each end when both ends have one.
 * `inline-code.property.test.ts` holds it to markdown-it's own inline parse.
 */
export function codeSpanTokens(src: string, TokenClass: TokenClass): Token[] | undefined {
  const out: Token[] = [];
  const n = src.length;
  // Where the text since the last code span starts.
  let textStart = 0;
  let pos = 0;
  while (pos < n) {
    const c = src.charCodeAt(pos);
    if (c !== 96) {
      if (startsOtherRule(c)) return undefined;
      pos++;
      continue;
    }
    const open = pos;
    while (pos < n && src.charCodeAt(pos) === 96) pos++;
    const length = pos - open;
    let close = -1;
    let after = pos;
    for (let k = src.indexOf('`', after); k >= 0; k = src.indexOf('`', after)) {
      after = k + 1;
      while (after < n && src.charCodeAt(after) === 96) after++;
      if (after - k === length) {
        close = k;
        break;
      }
    }
    // No run of the same length after it: the backticks are text, and the text goes on after them.
    if (close < 0) continue;
    if (open > textStart) out.push(text(src.slice(textStart, open), TokenClass));
    const code = new TokenClass('code_inline', 'code', 0);
    code.markup = src.slice(open, pos);
    code.content = src.slice(pos, close).replace(/\n/g, ' ').replace(/^ (.+) $/, '$1');
    out.push(code);
    pos = after;
    textStart = after;
  }
  if (n > textStart) out.push(text(src.slice(textStart), TokenClass));
  return out;
}

function text(content: string, TokenClass: TokenClass): Token {
  const t = new TokenClass('text', '', 0);
  t.content = content;
  return t;
}
