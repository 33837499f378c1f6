import { OpsbookError } from '../../lib/errors/index.js';

/** One step into a placeholder's value: `.key` or `[index]`. */
export type PathSegment = { key: string } | { index: number };

export type Token =
  | { type: 'placeholder'; name: string; path: PathSegment[]; pos: number; text: string }
  | { type: 'function'; name: string; pos: number }
  | { type: 'op'; op: string; pos: number }
  | { type: 'word'; text: string; pos: number; quoted: boolean; spaceBefore: boolean }
  | { type: 'end'; pos: number };

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '(', ')', ',', '!'];
const FUNCTIONS = new Set(['len', 'has', 'pat', 'any']);
const PATH_KEY = /[A-Za-z0-9_\-$@:]/;

/** Column numbers in errors are 1-based, as editors show them. */
export function conditionError(text: string, pos: number, message: string): OpsbookError {
  return new OpsbookError('OPSBOOK_E_CHECK_CONDITION', `${message} at column ${pos + 1} of "${text}"`, {
    location: { column: pos + 1 },
    details: { condition: text, column: pos + 1 },
  });
}

/** Splits a condition into tokens. Bare words run until whitespace, a bracket, a comma or an operator. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let spaceBefore = false;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      spaceBefore = true;
      continue;
    }
    const start = i;
    if (c === '[' ) {
      const close = text.indexOf(']', i);
      const inside = close > 0 ? text.slice(i + 1, close) : '';
      // `[WORKERS:projections]` names one entry of a per-name placeholder; it reads as [WORKERS].projections.
      const colon = inside.indexOf(':');
      const name = colon < 0 ? inside : inside.slice(0, colon);
      if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw conditionError(text, i, 'expected a placeholder like [STATUS]');
      const path: PathSegment[] = [];
      if (colon >= 0) {
        const arg = inside.slice(colon + 1);
        if (!/^[^\s[\]]+$/.test(arg)) throw conditionError(text, i, 'expected a name after the colon, like [WORKERS:celery]');
        path.push({ key: arg });
      }
      i = close + 1;
      for (;;) {
        if (text[i] === '.' && PATH_KEY.test(text[i + 1] ?? '')) {
          let j = i + 1;
          while (j < text.length && PATH_KEY.test(text[j]!)) j++;
          path.push({ key: text.slice(i + 1, j) });
          i = j;
        } else if (text[i] === '[' && /\d/.test(text[i + 1] ?? '')) {
          const end = text.indexOf(']', i);
          const n = end > 0 ? text.slice(i + 1, end) : '';
          if (!/^\d+$/.test(n)) throw conditionError(text, i, 'expected an array index like [0]');
          path.push({ index: Number(n) });
          i = end + 1;
        } else break;
      }
      out.push({ type: 'placeholder', name, path, pos: start, text: text.slice(start, i) });
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\' && j + 1 < text.length) j++;
        value += text[j];
        j++;
      }
      if (j >= text.length) throw conditionError(text, i, 'unterminated string');
      out.push({ type: 'word', text: value, pos: start, quoted: true, spaceBefore });
      i = j + 1;
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      // `!` only negates when it is not part of `!=`, handled by the order of OPERATORS.
      if (op) {
        out.push({ type: 'op', op, pos: start });
        i += op.length;
      } else {
        if ('=&|'.includes(c)) throw conditionError(text, i, `unexpected "${c}"`);
        let j = i;
        while (j < text.length && !/[\s(),]/.test(text[j]!) && !isOperatorAt(text, j)) j++;
        const word = text.slice(i, j);
        if (FUNCTIONS.has(word) && text[j] === '(') {
          out.push({ type: 'function', name: word, pos: start });
        } else {
          out.push({ type: 'word', text: word, pos: start, quoted: false, spaceBefore });
        }
        i = j;
      }
    }
    spaceBefore = false;
  }
  out.push({ type: 'end', pos: text.length });
  return out;
}

function isOperatorAt(text: string, j: number): boolean {
  // A lone `!`, `<` or `>` inside a word (`a!b`) is kept; the two-character operators always split.
  return ['==', '!=', '<=', '>=', '&&', '||'].some((o) => text.startsWith(o, j)) || text[j] === '<' || text[j] === '>';
}
