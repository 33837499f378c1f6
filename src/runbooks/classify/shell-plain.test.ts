import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseShell } from './shell-parse.js';
import { isPlain, parsePlain } from './shell-plain.js';

const words = fc.stringMatching(/^[A-Za-z0-9_./:=,@%+^*?~-]{1,12}$/);
const op = fc.constantFrom(' | ', ' && ', ' || ', '; ', ' ');
const plainLine = fc.array(fc.tuple(words, op), { minLength: 1, maxLength: 8 }).map((parts) => parts.map(([w, o]) => w + o).join('').replace(/(\s*(\||&&|\|\||;)\s*|\s+)$/, ''));

function shape(stmts: ReturnType<typeof parseShell>): unknown {
  return stmts.map((s) => ({ line: s.line, calls: s.calls.map((c) => ({ words: c.words.map((w) => w.value), assigns: c.assigns, piped: c.piped, redirects: c.redirects.length })) }));
}

describe('plain lines read without the shell parser', () => {
  it('give exactly what mvdan-sh gives, on every generated plain line', () => {
    fc.assert(
      fc.property(fc.array(plainLine, { minLength: 1, maxLength: 4 }), (lines) => {
        fc.pre(isPlain(lines));
        expect(shape(parsePlain(lines, 10))).toEqual(shape(parseShell(lines.join('\n'), 10)));
      }),
      { numRuns: 1000 },
    );
  });

  it('leave anything with quotes, expansions, redirections or keywords to the parser', () => {
    for (const l of ['echo "x"', "echo 'x'", 'echo $X', 'a > f', 'a < f', 'cmd &', 'for x in a; do b; done', 'a \\', 'echo {a,b}', 'x=$(date)', 'a # c', '! a']) {
      expect(isPlain([l]), l).toBe(false);
    }
  });
});

describe('the GopherJS tree reader', () => {
  it('reads the same words and lines as the public mvdan-sh API', () => {
    const require = createRequire(import.meta.url);
    const { syntax } = require('mvdan-sh') as { syntax: { NewParser: () => { Parse: (s: string, n: string) => unknown }; Walk: (n: unknown, f: (n: unknown) => boolean) => void; NodeType: (n: unknown) => string } };
    const src = 'kubectl get pods -n apex | grep api\nFOO=1 curl -H "Authorization: Bearer $TOKEN" https://x/{id}\nfor db in a b; do\n  pg_dump -Fc $db > out\ndone\n';
    type Node = { Args: { Parts: { Value?: unknown }[] }[]; Pos: () => { Line: () => number } };
    // Lines of every command, and the words of those made only of plain literals.
    const publicCalls: [number, string[] | null][] = [];
    syntax.Walk(syntax.NewParser().Parse(src, 'x'), (n) => {
      if (n && syntax.NodeType(n) === 'CallExpr') {
        const c = n as Node;
        const literal = c.Args.every((w) => w.Parts.every((p) => typeof p.Value === 'string' && syntax.NodeType(p) === 'Lit'));
        if (c.Args.length) publicCalls.push([c.Pos().Line(), literal ? c.Args.map((w) => w.Parts.map((p) => p.Value as string).join('')) : null]);
      }
      return true;
    });
    const ours = parseShell(src).flatMap((s) => s.calls.filter((c) => c.words.length).map((c): [number, string[] | null] => [c.line, c.words.every((w) => w.literal && !/["']/.test(w.value)) && !c.words.some((w) => w.value.includes(' ')) ? c.words.map((w) => w.value) : null]));
    const key = (x: [number, string[] | null]): string => JSON.stringify(x);
    expect(ours.map(key).sort()).toEqual(publicCalls.map(key).sort());
  });
});
