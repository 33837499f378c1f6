import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Parser } from 'commonmark';
import spec from 'commonmark-spec';
import { describe, expect, it } from 'vitest';
import { parseRunbook } from './index.js';

const layouts = path.resolve(import.meta.dirname, '../../test/fixtures/runbooks/layouts');

/** Code blocks as the reference implementation (commonmark.js) finds them, with their first lines. */
function referenceBlocks(text: string): { count: number; lines: number[] } {
  const walker = new Parser().parse(text).walker();
  const lines: number[] = [];
  for (let e = walker.next(); e; e = walker.next()) {
    if (e.entering && e.node.type === 'code_block') lines.push(e.node.sourcepos[0][0]);
  }
  return { count: lines.length, lines };
}

describe('code blocks match the reference CommonMark implementation', () => {
  for (const file of readdirSync(layouts).filter((f) => f.endsWith('.md'))) {
    it(`finds every block of ${file}`, () => {
      const text = readFileSync(path.join(layouts, file), 'utf8');
      const ref = referenceBlocks(text);
      const rb = parseRunbook(text, { file });
      expect(ref.count).toBeGreaterThan(0);
      expect(rb.blocks.length).toBe(ref.count);
      // commonmark.js starts an indented block at its first code line and a fenced one at its fence, as opsbook does.
      expect(rb.blocks.map((b) => b.line)).toEqual(ref.lines);
    });
  }

  // Every example: the code-block sections and the ones where blocks sit in lists, quotes, tabs and HTML.
  const examples = spec.tests;
  it(`agrees on all ${examples.length} spec examples`, () => {
    expect(examples.filter((t) => t.html.includes('<pre>')).length).toBeGreaterThan(80);
    const differ: string[] = [];
    for (const ex of examples) {
      const text = ex.markdown.replace(/→/g, '\t');
      const ref = referenceBlocks(text).count;
      const got = parseRunbook(text).blocks.length;
      if (got !== ref) differ.push(`example ${ex.number} (${ex.section}): opsbook ${got}, commonmark.js ${ref}`);
    }
    expect(differ).toEqual([]);
  });

  it('does not report a closed fence inside a blockquote or a list item as unclosed', () => {
    const rb = parseRunbook('> ```bash\n> ls\n> ```\n\n- step\n\n  ~~~\n  ls\n  ~~~\n');
    expect(rb.blocks).toHaveLength(2);
    expect(rb.warnings).toEqual([]);
  });

  it('still reports a fence that is never closed', () => {
    expect(parseRunbook('```bash\nls\n').warnings.map((w) => w.code)).toEqual(['fence-unclosed']);
  });

  it('reads an indented block from its first code line, without a language of its own', () => {
    const rb = parseRunbook('# X\n\nRun:\n\n    kubectl get pods -n shop\n    kubectl delete pod web-1 -n shop\n');
    expect(rb.blocks).toHaveLength(1);
    expect(rb.blocks[0]).toMatchObject({ line: 5, endLine: 6, fenced: false, languageInferred: true, effect: 'destructive' });
    expect(rb.blocks[0]!.commands.map((c) => c.line)).toEqual([5, 6]);
  });
});
