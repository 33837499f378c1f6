import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRunbook } from './index.js';
import { scaled } from '../../test/support/timing.js';

/** Pieces real runbooks are made of, plus the odd ones: unclosed fences, stray markers, CRLF. */
const line = fc.oneof(
  fc.constantFrom('# Title', '## Troubleshooting', '### RB-007: Disk full', '**Symptoms:**', '**Diagnosis**:', '**Resolution Steps:**', '- [ ] check backups', '- [x] notify users',
    '1. **Restart Service**', '   - nested', '| a | b |', '|---|---|', '| 1 | 2 |', '> quote', '---', '', '<div>', '[link](#nowhere)', 'text with `code` and **bold**', '$ kubectl get pods', '```', '~~~', '    indented code'),
  fc.string({ maxLength: 30 }),
);
const code = fc.oneof(
  fc.constantFrom('kubectl delete pod <pod-name> -n x', 'redis-cli', '> DEL a:b', 'SELECT 1;', 'UPDATE t SET a = 1', 'rm -rf /tmp/x', 'echo "unterminated', 'for i in 1 2; do', 'done', 'cat <<EOF', 'EOF',
    'curl -H "Authorization: Bearer $TOKEN" https://x/{id}', 'python manage.py shell -c "', '"', 'psql -c "SELECT pg_terminate_backend(1)"', '$ ls', 'sum(rate(x[5m]))', '# comment', ''),
  fc.string({ maxLength: 20 }),
);
const fence = fc.record({
  indent: fc.constantFrom('', '   '),
  marker: fc.constantFrom('```', '~~~', '````'),
  info: fc.constantFrom('', 'bash', 'sql', 'redis', 'promql', 'python', 'console', 'yaml', 'javascript', 'text', 'weird-lang'),
  body: fc.array(code, { maxLength: 6 }),
});
const doc = fc.record({
  before: fc.array(line, { maxLength: 8 }),
  fences: fc.array(fc.tuple(fence, fc.array(line, { maxLength: 4 })), { maxLength: 4 }),
  frontMatter: fc.constantFrom('', '---\ntitle: x\n---\n', '---\n: bad: yaml: [\n---\n', '---\nunclosed\n'),
  crlf: fc.boolean(),
});

describe('parseRunbook on generated documents', () => {
  it('never throws, finds every fence it is given, and keeps every line inside the file', () => {
    fc.assert(
      fc.property(doc, ({ before, fences, frontMatter, crlf }) => {
        // Text lines must not open or close fences themselves: the fences we place are the ones to find.
        const safe = (l: string): string => (/^\s*(`{3,}|~{3,})/.test(l) || /^ {4}/.test(l) || /^\s*[>|<]/.test(l) || /^\s*([-*]|\d+\.)\s/.test(l) ? `x ${l}` : l).replace(/[\r\n]/g, ' ');
        const parts = [...before.map(safe), ''];
        const fenceLines: number[] = [];
        for (const [f, after] of fences) {
          fenceLines.push(frontMatter.split('\n').length - 1 + parts.length + 1);
          parts.push(`${f.indent}${f.marker}${f.info}`, ...f.body.map((b) => `${f.indent}${b.replace(/[`~\r\n]/g, '')}`), `${f.indent}${f.marker}`, '', ...after.map(safe), '');
        }
        let text = frontMatter + parts.join('\n');
        if (crlf) text = text.replace(/\n/g, '\r\n');
        const total = text.split(/\r?\n/).length;
        const rb = parseRunbook(text, { file: 'gen.md' });
        expect(rb.blocks.map((b) => b.line)).toEqual(fenceLines);
        const inside = (l: number): boolean => Number.isInteger(l) && l >= 1 && l <= total;
        for (const b of rb.blocks) {
          expect(inside(b.line) && inside(b.endLine)).toBe(true);
          for (const c of b.commands) expect(inside(c.line), `command line ${c.line}`).toBe(true);
        }
        for (const p of rb.procedures) {
          expect(inside(p.line)).toBe(true);
          for (const ph of p.phases) for (const s of ph.steps) expect(inside(s.line)).toBe(true);
        }
        for (const t of rb.tables) expect(inside(t.line)).toBe(true);
        for (const c of rb.checklists) expect(inside(c.line)).toBe(true);
        for (const w of rb.warnings) expect(inside(w.line)).toBe(true);
      }),
      { numRuns: 10_000 },
    );
  }, scaled(600_000));
});
