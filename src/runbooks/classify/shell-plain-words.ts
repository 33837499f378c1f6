import type { ShCall, ShWord } from './shell-parse.js';

/** Thrown (never as an Error: no stack is taken) when the text needs the real parser. */
export const GIVE_UP = Symbol('needs mvdan-sh');
/**
 * Thrown when the text is certainly not valid shell: a `(` inside an argument (`enqueue(payload)`),
 * or the end of the text inside a quote, a `$(`, a loop or after `&&` (a paragraph cut from a longer
 * command).
 */
export const NOT_SHELL = Symbol('not shell');
/** Before a `(`, these make an extended glob (`@(a|b)`), which is a word. */
const EXTGLOB = '@!+*?';
/** `${NAME}`, `${1}`, `${#NAME}`, and a name with a default, an alternative, an error or a trimmed pattern that is plain text. */
const BRACED_PARAM = /\{#?([A-Za-z_][A-Za-z0-9_]*|[0-9]+)(?:(?::?[-=?+]|%%?|##?)[^'"$\\`{}\n]*)?\}/y;
/** `$1`, `$?`, `$@`…: one character. */
const SPECIAL_PARAM = '0123456789?#@*$!-';
const BRACE_WORD = /\{[A-Za-z_][\w-]*\}/g;

/**
 * What reading a part of a statement adds to it. mvdan-sh's tree gives a command's redirections
 * before its assignments and words, so each part collects its own and they are joined in that order.
 */
export interface Sink {
  calls: ShCall[];
  params: string[];
  assigned: string[];
  braceWords: string[];
}

export function sink(): Sink {
  return { calls: [], params: [], assigned: [], braceWords: [] };
}

export function pour(from: Sink, into: Sink): void {
  for (const c of from.calls) into.calls.push(c);
  for (const p of from.params) into.params.push(p);
  for (const a of from.assigned) into.assigned.push(a);
  for (const b of from.braceWords) into.braceWords.push(b);
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

/** Characters that mean nothing special in a word: neither blanks, operators, quotes, `$`, `\\` nor control characters. */
const SPECIAL = new Uint8Array(128);
for (let c = 0; c < 32; c++) SPECIAL[c] = 1;
for (const ch of ' ;&|<>()`\\\'"$') SPECIAL[ch.charCodeAt(0)] = 1;

/** What ends a word wherever it stands: the text's end, a blank, a newline, `;`, `&`, `|`, `<` or `>`. */
function endsPlainWord(c: number): boolean {
  return Number.isNaN(c) || c === 32 || c === 9 || c === 10 || c === 59 || c === 38 || c === 124 || c === 60 || c === 62;
}

function isPlainChar(c: number): boolean {
  return c >= 128 ? true : c >= 0 && SPECIAL[c] === 0;
}

/** After a `$`: a name, a special parameter, `{` or `(`. */
function startsExpansion(c: number): boolean {
  return isNameStart(c) || c === 123 || c === 40 || (c < 128 && SPECIAL_PARAM.includes(String.fromCharCode(c)));
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * The word level of the simple-shell reader (`shell-plain.ts` has the statement level): a cursor
 * over the text, blanks and comments, and words — unquoted text, quotes, `$NAME`, `${…}`, `$(…)` —
 * as mvdan-sh reads them.
 */
export abstract class WordReader {
  protected i = 0;
  protected line = 1;
  /** How many `$(` are open: inside one, `)` ends the list of statements. */
  protected depth = 0;
  /** The end of the statement's last word, as mvdan-sh's positions give it. */
  protected maxEnd = 0;
  /** True while reading an argument of a simple command (not its name, an assignment or a redirection). */
  protected argument = false;
  /** The unquoted text of the current word since its last quote or expansion: mvdan-sh's `Lit`, where `{name}` words are looked for. */
  protected lit = '';
  /** Where the text stopped being shell, in mvdan-sh's words, when this reader can say it as mvdan-sh does. */
  failure: { message: string; line: number } | undefined;

  constructor(protected readonly src: string, protected readonly lineBase: number) {}

  /** Pipelines joined by `&&` and `||` (inside `$(…)` too). */
  protected abstract andOr(into: Sink): void;
  /** After a statement: true when another may follow, false at the end of the text. */
  protected abstract separator(): boolean;

  /** Spaces, tabs and line continuations. */
  protected skipBlanks(): void {
    const src = this.src;
    for (;;) {
      const c = src[this.i];
      if (c === ' ' || c === '\t') this.i++;
      else if (c === '\\' && src[this.i + 1] === '\n') {
        this.i += 2;
        this.line++;
      } else return;
    }
  }

  /** Blanks, newlines and comments. */
  protected skipSpace(): void {
    const src = this.src;
    for (;;) {
      this.skipBlanks();
      const c = src[this.i];
      if (c === '\n') {
        this.i++;
        this.line++;
      } else if (c === '#') {
        const nl = src.indexOf('\n', this.i);
        this.i = nl < 0 ? src.length : nl;
        // mvdan-sh lets a comment ending in a backslash run on into the next line.
        if (src[this.i - 1] === '\\') throw GIVE_UP;
      } else return;
    }
  }

  /** mvdan-sh takes digits that end a word after a quote or expansion as a file descriptor too (`"a"2>f`). */
  protected noDigitBeforeRedirection(): void {
    const after = this.src.charCodeAt(this.i);
    const last = this.src.charCodeAt(this.i - 1);
    if ((after === 60 || after === 62) && last >= 48 && last <= 57) throw GIVE_UP;
  }

  private flush(into: Sink): void {
    if (this.lit.includes('{')) for (const m of this.lit.match(BRACE_WORD) ?? []) into.braceWords.push(m);
    this.lit = '';
  }

  /** One word: unquoted text, quoted strings and simple expansions, up to a blank or an operator. */
  protected word(into: Sink): ShWord {
    const src = this.src;
    // Most words are one run of plain characters up to a blank, an operator or the text's end:
    // read as the loop below would, without it.
    const first = src.charCodeAt(this.i);
    if (first !== 35 && isPlainChar(first)) {
      let end = this.i + 1;
      while (isPlainChar(src.charCodeAt(end))) end++;
      if (endsPlainWord(src.charCodeAt(end))) {
        const run = src.slice(this.i, end);
        this.i = end;
        this.maxEnd = end;
        this.lit = run;
        this.flush(into);
        return { value: run, literal: true };
      }
    }
    let value = '';
    let literal = true;
    this.lit = '';
    for (;;) {
      const c = src.charCodeAt(this.i);
      if (Number.isNaN(c)) break;
      switch (c) {
        case 32: // space
        case 9: // tab
        case 10: // newline
        case 59: // ;
        case 38: // &
        case 124: // |
        case 60: // <
        case 62: // >
          this.flush(into);
          return { value, literal };
        case 41: // )
          if (this.depth === 0) throw GIVE_UP;
          this.flush(into);
          return { value, literal };
        case 40: // (
          if (this.argument && this.lit !== '' && !EXTGLOB.includes(this.lit[this.lit.length - 1]!) && !/^[ \t]*\)/.test(src.slice(this.i + 1, this.i + 40))) {
            // mvdan-sh reads `((` as one token, with other words for it.
            if (src[this.i + 1] !== '(') this.failure = { message: 'a command can only contain words and redirects; encountered (', line: this.line + this.lineBase };
            throw NOT_SHELL;
          }
          throw GIVE_UP;
        case 96: // `
          throw GIVE_UP;
        case 92: { // backslash: quotes the next character (the literal keeps it as written, as mvdan-sh does)
          const next = src[this.i + 1];
          if (next === undefined || next === '\n') throw GIVE_UP;
          value += next;
          this.lit += `\\${next}`;
          this.i += 2;
          this.maxEnd = this.i;
          break;
        }
        case 39: { // '
          this.flush(into);
          const close = src.indexOf("'", this.i + 1);
          if (close < 0) throw NOT_SHELL;
          const inner = src.slice(this.i + 1, close);
          this.line += countNewlines(inner);
          value += inner;
          this.i = close + 1;
          this.maxEnd = this.i;
          break;
        }
        case 34: { // "
          this.flush(into);
          const part = this.doubleQuoted(into);
          value += part.value;
          literal &&= part.literal;
          break;
        }
        case 36: { // $
          if (startsExpansion(src.charCodeAt(this.i + 1))) {
            this.flush(into);
            value += this.dollar(into, false);
            this.lit = '';
            literal = false;
          } else {
            this.dollar(into, false);
            value += '$';
            this.lit += '$';
          }
          break;
        }
        default: {
          // mvdan-sh starts a comment at a `#` right after a quote or an expansion (`"a"#b`); bash does not.
          if (c < 32 || (c === 35 && this.lit === '')) throw GIVE_UP;
          let end = this.i + 1;
          while (isPlainChar(src.charCodeAt(end))) end++;
          const run = src.slice(this.i, end);
          value += run;
          this.lit += run;
          this.i = end;
          this.maxEnd = end;
        }
      }
    }
    this.flush(into);
    return { value, literal };
  }

  private doubleQuoted(into: Sink): ShWord {
    const src = this.src;
    let value = '';
    let literal = true;
    this.i++;
    for (;;) {
      const c = src[this.i];
      if (c === undefined) throw NOT_SHELL;
      if (c === '`') throw GIVE_UP;
      if (c === '"') {
        this.i++;
        this.maxEnd = this.i;
        return { value, literal };
      }
      if (c === '\\') {
        const next = src[this.i + 1];
        if (next === undefined || next === '\n') throw GIVE_UP;
        // Inside double quotes a backslash quotes only `$`, a backquote, `"` and itself.
        value += next === '$' || next === '`' || next === '"' || next === '\\' ? next : `\\${next}`;
        this.i += 2;
      } else if (c === '$') {
        const expansion = this.dollar(into, true);
        if (expansion === undefined) value += '$';
        else {
          value += expansion;
          literal = false;
        }
      } else {
        // A run of characters that mean nothing inside the quotes, taken whole.
        let end = this.i;
        for (let k = src.charCodeAt(end); !(Number.isNaN(k) || k === 96 || k === 34 || k === 92 || k === 36); k = src.charCodeAt(++end)) {
          if (k === 10) this.line++;
        }
        value += src.slice(this.i, end);
        this.i = end;
      }
    }
  }

  /**
   * `$NAME`, `${NAME}` or `$(…)`: the expansion as written, its name recorded or its commands
   * read. A `$` that starts no expansion (before a blank or the closing quote) is a plain `$`:
   * undefined. Any other `$` form needs the real parser.
   */
  private dollar(into: Sink, inDouble: boolean): string | undefined {
    const src = this.src;
    const next = src.charCodeAt(this.i + 1);
    if (isNameStart(next)) {
      let end = this.i + 2;
      while (isNameChar(src.charCodeAt(end))) end++;
      const name = src.slice(this.i + 1, end);
      into.params.push(name);
      this.i = end;
      this.maxEnd = end;
      return `$${name}`;
    }
    if (SPECIAL_PARAM.includes(src[this.i + 1]!)) {
      into.params.push(src[this.i + 1]!);
      this.i += 2;
      this.maxEnd = this.i;
      return src.slice(this.i - 2, this.i);
    }
    if (next === 123) { // {
      BRACED_PARAM.lastIndex = this.i + 1;
      const m = BRACED_PARAM.exec(src);
      if (!m) throw GIVE_UP;
      // mvdan-sh's tree is read for the name only: `${X:-default}` and `${#X}` read as `${X}`.
      const name = m[1]!;
      into.params.push(name);
      this.i += 1 + m[0].length;
      this.maxEnd = this.i;
      return `\${${name}}`;
    }
    if (next === 40) return this.substitution(into); // (
    if (Number.isNaN(next) || next === 32 || next === 9 || next === 10 || (inDouble && next === 34)) {
      this.i++;
      this.maxEnd = this.i;
      return undefined;
    }
    throw GIVE_UP;
  }

  /** `$(…)`: its commands belong to the statement it sits in, as mvdan-sh reads them. */
  private substitution(into: Sink): string {
    const src = this.src;
    const start = this.i;
    if (src[this.i + 2] === '(') throw GIVE_UP; // $(( arithmetic ))
    this.i += 2;
    this.depth++;
    for (;;) {
      this.skipSpace();
      if (src[this.i] === ')') break;
      if (this.i >= src.length) throw NOT_SHELL;
      this.andOr(into);
      if (!this.separator()) throw NOT_SHELL;
    }
    this.depth--;
    this.i++;
    this.maxEnd = this.i;
    return src.slice(start, this.i);
  }
}
