import type { ShCall, ShStatement } from './shell-parse.js';

/**
 * Most runbook command lines are plain words: `kubectl get pods -n apex`. For text made only of
 * such words (no quotes, expansions, globs with brackets, redirections or keywords) the shell's
 * own word splitting is splitting on blanks, so these lines are read without starting the
 * GopherJS parser, which costs about 0.1 ms a line. `shell-plain.test.ts` checks, on generated
 * lines, that this gives exactly what mvdan-sh gives.
 */
const PLAIN_LINE = /^[ \t]*[A-Za-z0-9_./:=,@%+^*?~-][A-Za-z0-9_./:=,@%+^*?~\- \t|&;]*$/;
const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac', 'function', 'select', 'time', 'coproc', 'in', '!', '{', '}', '[[', ']]']);
const ASSIGN = /^[A-Za-z_][A-Za-z0-9_]*\+?=/;

/** True when every line is plain words and operators (`|`, `&&`, `||`, `;`). */
export function isPlain(lines: string[]): boolean {
  for (const l of lines) {
    if (l.trim() === '') continue;
    if (!PLAIN_LINE.test(l)) return false;
    // A lone `&` (background), `;;`, `|&` or an operator at the edge of a line need the real parser.
    if (/(^|[^&])&([^&]|$)|;;|\|&|\|\|\||&&&|^\s*(\||&&|;)|(\||&&|\|\|)\s*$/.test(l)) return false;
    if (/(^|[\s|;&])~[^\s/]/.test(l)) return false;
    for (const segment of l.split(/&&|\|\||[|;]/)) {
      const first = segment.trim().split(/\s+/)[0] ?? '';
      if (segment.trim() === '' || RESERVED.has(first)) return false;
    }
  }
  return true;
}

/** Statements of plain lines (see `isPlain`); `lineBase` as for `parseShell`. */
export function parsePlain(lines: string[], lineBase: number): ShStatement[] {
  const out: ShStatement[] = [];
  lines.forEach((l, i) => {
    const line = lineBase + i + 1;
    for (const text of l.split(';')) {
      if (text.trim() === '') continue;
      const calls: ShCall[] = [];
      const assigned: string[] = [];
      let piped = false;
      for (const part of text.split(/(&&|\|\||\|)/)) {
        if (part === '&&' || part === '||') { piped = false; continue; }
        if (part === '|') { piped = true; continue; }
        const words = part.trim().split(/[ \t]+/).filter(Boolean);
        const assigns: string[] = [];
        while (words.length && ASSIGN.test(words[0]!)) assigns.push(words.shift()!.split(/\+?=/)[0]!);
        assigned.push(...assigns);
        calls.push({ words: words.map((value) => ({ value, literal: true })), assigns, redirects: [], piped, line });
      }
      out.push({ text: text.trim(), line, calls, params: [], assigned, braceWords: [] });
    }
  });
  return out;
}
