import { classifyBlock, type BlockClassification } from './classify/index.js';
import { inferLanguage } from './language.js';
import { lineOf, type Token } from './markdown.js';
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

/** Every fenced block, with its opening fence line, language (inferred when missing) and effect. */
export function readBlocks(tokens: Token[], lines: string[], warnings: RunbookWarning[]): CodeBlock[] {
  const lineCount = lines.length;
  const out: CodeBlock[] = [];
  for (const t of tokens) {
    if (t.type !== 'fence') continue;
    const line = lineOf(t);
    const written = t.info.trim().split(/\s+/)[0]?.replace(/^\{\.?|\}$/g, '') ?? '';
    const code = t.content.replace(/\n$/, '');
    const language = written || inferLanguage(code);
    const endLine = Math.min(t.map?.[1] ?? line, lineCount);
    const last = (lines[endLine - 1] ?? '').trim();
    const closed = endLine > line && last.startsWith(t.markup) && /^(`+|~+)$/.test(last);
    if (!closed) {
      warnings.push({ code: 'fence-unclosed', line, message: `code block opened with ${t.markup} is never closed` });
    }
    const c = classifyCached(code, language, line + 1);
    out.push({ line, endLine, language, languageInferred: !written, target: c.target, code, effect: c.effect, reasons: [...c.reasons], placeholders: [...c.placeholders], commands: c.commands });
  }
  return out;
}
