import { classifyBlock, type BlockClassification } from './classify/index.js';
import { inferLanguage } from './language.js';
import { isCodeToken, lineOf, type Token } from './markdown.js';
import type { CodeBlock, RunbookWarning } from './model.js';
import { speedups, TextCache } from './speedups.js';

/**
 * Classifications by block text. Runbooks repeat the same blocks (a health check, a restart)
 * across sections and files; a bounded cache keeps those from being parsed again. Lines are
 * stored relative to the block and shifted on the way out.
 */
const cache = new TextCache<BlockClassification>(4000);

function classifyCached(code: string, language: string, firstLine: number): BlockClassification {
  const key = `${language}\u0000${code}`;
  const shift = firstLine - 1;
  let c = cache.get(key);
  if (!c) {
    c = classifyBlock(code, language, 1);
    if (!speedups().caches) {
      // Kept nowhere: its lines can be shifted in place.
      for (const cmd of c.commands) cmd.line += shift;
      return c;
    }
    cache.set(key, c);
  }
  if (shift === 0) return c;
  return { ...c, commands: c.commands.map((cmd) => ({ ...cmd, line: cmd.line + shift, reasons: [...cmd.reasons], placeholders: [...cmd.placeholders] })) };
}

/** The lines of a text, found where they start instead of cut out one by one: the reader looks at few of them. */
export class Lines {
  private readonly starts = [0];

  constructor(private readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  /** How many lines: one more than the newlines. */
  get count(): number {
    return this.starts.length;
  }

  /** Line `n` (1-based) without its newline, or undefined past the end. */
  at(n: number): string | undefined {
    if (!(n >= 1 && n <= this.starts.length)) return undefined;
    return this.text.slice(this.starts[n - 1], n < this.starts.length ? this.starts[n]! - 1 : this.text.length);
  }
}

/** A line with the blockquote markers and indentation of its containers removed. */
function unquoted(line: string): string {
  return line.replace(/^[\s>]*/, '');
}

/**
 * Every code block CommonMark knows: fenced or indented, at the top level or inside list items and
 * blockquotes. A fenced block is known by its opening fence line; an indented one by its first code
 * line. The language is the fence's, or inferred from the code.
 */
export function readBlocks(tokens: Token[], lines: Lines, warnings: RunbookWarning[]): CodeBlock[] {
  const lineCount = lines.count;
  const out: CodeBlock[] = [];
  for (const t of tokens) {
    if (!isCodeToken(t)) continue;
    const fenced = t.type === 'fence';
    const line = lineOf(t);
    const info = fenced ? t.info.trim() : '';
    // Most info strings are one plain word: the language as it stands.
    const written = /[\s{}]/.test(info) ? (info.split(/\s+/)[0]?.replace(/^\{\.?|\}$/g, '') ?? '') : info;
    const code = t.content.endsWith('\n') ? t.content.slice(0, -1) : t.content;
    const language = written || inferLanguage(code);
    const endLine = Math.max(line, Math.min(t.map?.[1] ?? line, lineCount));
    if (fenced) {
      const last = unquoted(lines.at(endLine) ?? '').trim();
      const closed = endLine > line && last.startsWith(t.markup) && /^(`+|~+)$/.test(last);
      if (!closed) warnings.push({ code: 'fence-unclosed', line, message: `code block opened with ${t.markup} is never closed` });
    }
    const c = classifyCached(code, language, fenced ? line + 1 : line);
    // A classification kept in the cache is shared: the block gets its own arrays. One made for this block is its own already.
    const shared = speedups().caches;
    out.push({ line, endLine, fenced, language, languageInferred: !written, target: c.target, code, effect: c.effect, reasons: shared ? [...c.reasons] : c.reasons, placeholders: shared ? [...c.placeholders] : c.placeholders, commands: c.commands });
  }
  return out;
}
