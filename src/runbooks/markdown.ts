import MarkdownIt from 'markdown-it';
import type { StateCore, Token } from 'markdown-it';

export type { Token };

// HTML blocks are recognised as CommonMark defines them (so the code blocks found are the ones any
// CommonMark reader finds); they are never rendered here.
const md = new MarkdownIt({ html: true, linkify: false });
// markdown-it's first rule rewrites every line ending and NUL of the text, matching each `\n` to
// put back a `\n`: the same rule, run only on text that holds something it changes.
md.core.ruler.at('normalize', (state) => {
  // Two looks for one character each are cheaper than one pattern with both tried at every position.
  if (state.src.includes('\r') || state.src.includes('\0')) state.src = state.src.replace(/\r\n?/g, '\n').replace(/\0/g, '\uFFFD');
});
/**
 * Inline text where none of markdown-it's inline rules can start: no line break, escape, code span,
 * strikethrough, emphasis, link or image (`[`), autolink or HTML (`<`), or entity (`&`); its text
 * rule stops at more characters (`:`, `-`, `#`…), but with no rule taking them they go into the
 * same text. More than half of a runbook's headings, cells and paragraphs. markdown-it reads such
 * text into one text token; it is made here directly, without an inline parser state and its
 * post-processing passes.
 */
const PLAIN_INLINE = /^[^\n\\`~*_[<&]*$/;
/**
 * Plain text in bold, then plain text: `**Symptoms:**`, `**API Metrics**: latency`, `**P0 - Critical**`,
 * the labels runbooks are written with (about a third of their inline text). No other rule can start
 * in it; only whether the two `**` runs pair up as strong emphasis depends on what stands around them.
 */
const BOLD_THEN_PLAIN = /^\*\*([^\n\\`~*_[<&]+)\*\*([^\n\\`~*_[<&]*)$/;
const { isWhiteSpace, isPunctChar, isMdAsciiPunct } = md.utils;
const isPunctuation = (c: number): boolean => isMdAsciiPunct(c) || isPunctChar(String.fromCharCode(c));

/**
 * markdown-it's tokens for `**bold**rest`, or false when its two runs would not pair (a space inside
 * the stars, or punctuation before the closing run with a letter after it). The runs' flanking is
 * CommonMark's, as markdown-it's `scanDelims` works it out: the opening run follows the line's start
 * (whitespace) and can never close; the closing run closes when it is right-flanking.
 */
function boldThenPlain(state: StateCore, bold: string, rest: string, into: Token[]): boolean {
  const first = bold.charCodeAt(0);
  const last = bold.charCodeAt(bold.length - 1);
  // After the closing run: the next character, or the line's end (whitespace).
  const next = rest === '' ? 0x20 : rest.charCodeAt(0);
  if (isWhiteSpace(first)) return false;
  if (isWhiteSpace(last) || (isPunctuation(last) && !isWhiteSpace(next) && !isPunctuation(next))) return false;
  into.push(new state.Token('text', '', 0));
  const open = new state.Token('strong_open', 'strong', 1);
  open.markup = '**';
  into.push(open);
  const inner = new state.Token('text', '', 0);
  inner.content = bold;
  inner.level = 1;
  into.push(inner);
  const close = new state.Token('strong_close', 'strong', -1);
  close.markup = '**';
  into.push(close);
  const after = new state.Token('text', '', 0);
  after.content = rest;
  into.push(after);
  return true;
}

md.core.ruler.at('inline', (state) => {
  const tokens = state.tokens;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok.type !== 'inline') continue;
    if (PLAIN_INLINE.test(tok.content)) {
      if (tok.content !== '') {
        const text = new state.Token('text', '', 0);
        text.content = tok.content;
        tok.children!.push(text);
      }
      continue;
    }
    const bold = tok.content.charCodeAt(0) === 42 ? BOLD_THEN_PLAIN.exec(tok.content) : null;
    if (bold && boldThenPlain(state, bold[1]!, bold[2]!, tok.children!)) continue;
    state.md.inline.parse(tok.content, state.md, state.env, tok.children!);
  }
});

export function tokenize(text: string): Token[] {
  return md.parse(text, {});
}

/** Whitespace that `\s+ → ' '` would change: a run of two, or any but a plain space. */
const SPACE_TO_SQUEEZE = /\s\s|[^\S ]/;

/** Plain text of an inline token: emphasis and links dropped, inline code kept. */
export function plainText(inline: Token | undefined): string {
  if (!inline) return '';
  if (!inline.children) return inline.content.trim();
  let out = '';
  for (const c of inline.children) {
    if (c.type === 'text' || c.type === 'code_inline' || c.type === 'html_inline') out += c.content;
    else if (c.type === 'softbreak' || c.type === 'hardbreak') out += ' ';
    else if (c.type === 'image') out += c.content;
  }
  return (SPACE_TO_SQUEEZE.test(out) ? out.replace(/\s+/g, ' ') : out).trim();
}

/**
 * The plain text (`plainText`) of a document's tokens, each inline token's worked out once: the
 * sections, phases, tables, checklists and prose all read the same headings, cells and items.
 */
export class PlainTexts {
  private readonly texts: (string | undefined)[] = [];

  constructor(private readonly tokens: Token[]) {}

  /** `plainText(tokens[i])`. */
  at(i: number): string {
    const t = this.tokens[i];
    if (t?.type !== 'inline') return plainText(t);
    let text = this.texts[i];
    if (text === undefined) {
      text = plainText(t);
      this.texts[i] = text;
    }
    return text;
  }
}

/** A paragraph that opens with bold text: `**Symptoms:**`, `**Severity**: P2`. */
export interface BoldLabel {
  label: string;
  /** Text after the label and its colon. */
  rest: string;
}

export function boldLabel(inline: Token | undefined): BoldLabel | undefined {
  // markdown-it may put an empty text token before the emphasis.
  const all = inline?.children;
  const emptyFirst = all?.[0]?.type === 'text' && all[0].content === '';
  if (!all || all[emptyFirst ? 1 : 0]?.type !== 'strong_open') return undefined;
  const kids = emptyFirst ? all.slice(1) : all;
  let i = 1;
  let label = '';
  for (; i < kids.length && kids[i]!.type !== 'strong_close'; i++) label += kids[i]!.content;
  if (i >= kids.length) return undefined;
  let rest = '';
  for (let j = i + 1; j < kids.length; j++) {
    const k = kids[j]!;
    if (k.type === 'softbreak' || k.type === 'hardbreak') {
      // A second label on the next line starts a new key: only the first line belongs to this one.
      if (kids[j + 1]?.type === 'strong_open') break;
      rest += ' ';
    } else if (k.type === 'text' || k.type === 'code_inline') rest += k.content;
  }
  rest = rest.trim();
  const colon = label.trim().endsWith(':') || rest.startsWith(':');
  label = label.trim().replace(/:$/, '').trim();
  rest = rest.replace(/^:/, '').trim();
  // "**Important** text goes on" is emphasis, not a label.
  if (!colon && rest && !/^\(.*\):?$/.test(rest)) return undefined;
  return { label, rest: rest.replace(/^\(.*\):?$/, '').trim() };
}

/** 1-based first line of a block token. */
export function lineOf(t: Token): number {
  return (t.map?.[0] ?? 0) + 1;
}

/** GitHub-style anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(title: string): string {
  const l = title.toLowerCase().trim();
  // On ASCII text the Unicode classes are their ASCII parts, and the ASCII pattern is much cheaper.
  return (NON_ASCII.test(l) ? l.replace(/[^\p{L}\p{N}\s_-]/gu, '') : l.replace(/[^A-Za-z0-9\s_-]/g, '')).replace(/\s/g, '-');
}

/** Any character outside ASCII. */
export const NON_ASCII = /[\u0080-\uffff]/;

/** Token types markdown-it gives the two kinds of CommonMark code block. */
export function isCodeToken(t: Token): boolean {
  return t.type === 'fence' || t.type === 'code_block';
}
