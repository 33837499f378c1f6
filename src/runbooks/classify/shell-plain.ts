import { speedups } from '../speedups.js';
import { parseShell, ShellSyntaxError, shellSyntaxError, type ShRedirect, type ShStatement, type ShWord } from './shell-parse.js';
import { GIVE_UP, NOT_SHELL, pour, sink, WordReader, type Sink } from './shell-plain-words.js';

/**
 * Most runbook command lines are simple: words, quoted strings, `$VAR`, `${VAR}` and `$(…)`,
 * redirections, joined by `|`, `&&`, `||`, `;` and newlines, and `if`, `for NAME in`, `while` and
 * `until` made of such commands, any of them `time`d. Such text is read here without the GopherJS parser (mvdan-sh),
 * which costs about 0.1 ms a line and was most of the reader's time. Anything else — backquotes,
 * subshells, `case`, functions, `&`, here-documents, `${X/a/b}`, a line continuation inside a
 * word — makes this reader give up (`undefined`), and the caller hands the text to mvdan-sh. Some
 * text it can tell is not shell at all (`'not shell'`): `x = enqueue(payload)` in a shell block, or
 * a paragraph that ends inside a quote or a loop. `shell-plain.test.ts` checks, on generated text,
 * that whatever this reader accepts it reads exactly as `parseShell` does, down to mvdan-sh's own
 * quirks, and that mvdan-sh rejects whatever it calls not shell.
 */

/** Words that mean something else than a program name where a command starts, and declarations (their words are read differently). */
const NOT_A_PROGRAM = new Set([
  'if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac', 'function', 'select', 'time', 'coproc', 'in', '!', '[[', ']]',
  'declare', 'local', 'export', 'readonly', 'typeset', 'nameref', 'let',
]);
/**
 * Where `NAME=` or `NAME+=` starting at `at` ends, or -1: what `/([A-Za-z_][A-Za-z0-9_]*)\+?=/y`
 * matches there, read without the pattern (most first words are program names).
 */
function assignmentEnd(src: string, at: number): number {
  if (!isAsciiNameChar(src.charCodeAt(at), true)) return -1;
  let j = at + 1;
  while (isAsciiNameChar(src.charCodeAt(j), false)) j++;
  const c = src.charCodeAt(j);
  if (c === 61) return j + 1; // =
  if (c === 43 && src.charCodeAt(j + 1) === 61) return j + 2; // +=
  return -1;
}

function isAsciiNameChar(c: number, first: boolean): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || (!first && c >= 48 && c <= 57);
}
/** `a[` where a command starts: mvdan-sh reads it as an array element being assigned. */
const NAME_AND_INDEX = /^[\p{L}_][\p{L}\p{N}_]*\[/u;
/** Keywords that open a compound command this reader takes. */
const OPENING = ['if', 'for', 'while', 'until'];
/** What may follow a keyword for it to be one. */
const KEYWORD_END = ' \t\n;|&<>)';
/** A file descriptor right before a redirection: `2>`. */
const FD = /([0-9]+)[<>]/y;
const REDIRECTIONS: ShRedirect['op'][] = ['&>>', '&>', '>>', '>&', '>|', '>', '<&', '<>', '<'];
/** The variable of a `for` loop. */
const LOOP_NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** A here-document's delimiter: a plain name, bare or in single quotes, ending its word. */
const HERE_DELIMITER = /(')?([A-Za-z_][A-Za-z0-9_]*)\1(?=[ \t\n])/y;
/** What may follow a here-document's delimiter on its line: simple redirections of plain words. */
const REST_OF_HERE_LINE = /^(?:[ \t]+(?:[12]?>>?[ \t]*[A-Za-z0-9_./-]+|[12]?>&[12]))*[ \t]*$/;
/** An expansion in a here-document's body: `$NAME` or `${NAME}`. */
const HERE_PARAM = /\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})/y;

class SimpleReader extends WordReader {
  /** The here-document of the statement being read: where its line ends, where its closing line ends, and its lines. */
  private hereDoc: { lineEnd: number; end: number; bodyLines: number } | undefined;
  /** How many `if`/`for`/`while` are open. */
  private nesting = 0;
  statements(): ShStatement[] {
    const out: ShStatement[] = [];
    const src = this.src;
    for (;;) {
      this.skipSpace();
      if (this.i >= src.length) return out;
      const start = this.i;
      const line = this.line + this.lineBase;
      this.maxEnd = 0;
      const parts = sink();
      this.andOr(parts);
      // A here-document's text is part of its statement, as far as its closing line.
      if (this.hereDoc?.bodyLines) this.maxEnd = Math.max(this.maxEnd, this.hereDoc.end);
      out.push({
        text: src.slice(start, Math.max(this.maxEnd, start)).trim(),
        line,
        calls: parts.calls,
        params: distinct(parts.params),
        assigned: distinct(parts.assigned),
        braceWords: distinct(parts.braceWords),
      });
      if (!this.separator()) return out;
    }
  }

  protected separator(): boolean {
    const src = this.src;
    this.skipBlanks();
    if (this.hereDoc) {
      // The statement ends its line: the here-document's lines follow, then its closing line.
      if (this.i !== this.hereDoc.lineEnd) throw GIVE_UP;
      this.i = this.hereDoc.end;
      this.line += this.hereDoc.bodyLines + 1;
      this.hereDoc = undefined;
    }
    if (this.i >= src.length) return false;
    const c = src[this.i];
    if (c === ';') {
      this.i++;
      if (src[this.i] === ';' || src[this.i] === '&') throw GIVE_UP;
    } else if (c !== '\n' && c !== '#' && !(c === ')' && this.depth > 0)) throw GIVE_UP;
    return true;
  }

  protected andOr(into: Sink): void {
    const src = this.src;
    let piped = false;
    for (;;) {
      const c = src[this.i];
      // At the end of the text after `&&`, `||` or `|`: a command is missing.
      if (c === undefined) throw NOT_SHELL;
      if (c === ';' || c === '|' || c === '&' || c === '\n' || c === '#' || c === ')') throw GIVE_UP;
      if (c === 't' && src.startsWith('time', this.i) && (src[this.i + 4] === ' ' || src[this.i + 4] === '\t')) this.timeKeyword();
      // Only these letters start a keyword of `OPENING`.
      const k = src[this.i];
      const opening = k === 'i' || k === 'f' || k === 'w' || k === 'u' ? this.keyword(OPENING) : undefined;
      if (opening) this.compound(opening, piped, into);
      else this.call(piped, into);
      this.skipBlanks();
      const op = src[this.i];
      const next = src[this.i + 1];
      if ((op === '&' && next === '&') || (op === '|' && next === '|')) {
        this.i += 2;
        piped = false;
      } else if (op === '|') {
        if (next === '&') throw GIVE_UP;
        this.i += 1;
        piped = true;
      } else if (op === '&') {
        throw GIVE_UP;
      } else return;
      this.skipSpace();
    }
  }

  /**
   * `time` or `time -p` before a command: mvdan-sh's tree holds the timed pipeline as if the
   * keyword were not there, and the statement's text starts at the keyword.
   */
  private timeKeyword(): void {
    const src = this.src;
    this.i += 4;
    this.skipBlanks();
    if (src.startsWith('-p', this.i) && (src[this.i + 2] === ' ' || src[this.i + 2] === '\t')) {
      this.i += 2;
      this.skipBlanks();
    }
    const c = src[this.i];
    // Nothing timed, an option, another keyword or an operator: left to mvdan-sh.
    if (c === undefined || '-;|&\n#()!{}'.includes(c) || NOT_A_PROGRAM.has(/^\S*/.exec(src.slice(this.i, this.i + 12))![0])) throw GIVE_UP;
  }

  /** The keyword at the current position, when one of `words` stands there as a word of its own. */
  private keyword(words: readonly string[]): string | undefined {
    const src = this.src;
    for (const w of words) {
      if (!src.startsWith(w, this.i)) continue;
      const after = src[this.i + w.length];
      if (after === undefined || KEYWORD_END.includes(after)) return w;
    }
    return undefined;
  }

  /** Statements up to one of the keywords in `ends` (which is returned, consumed). The list may not be empty. */
  private list(ends: readonly string[], into: Sink): string {
    let empty = true;
    for (;;) {
      this.skipSpace();
      const end = this.keyword(ends);
      if (end) {
        if (empty) throw GIVE_UP;
        this.i += end.length;
        return end;
      }
      if (this.i >= this.src.length) throw NOT_SHELL;
      this.andOr(into);
      empty = false;
      if (!this.separator()) throw NOT_SHELL;
      if (this.src[this.i] === ')') throw GIVE_UP;
    }
  }

  /**
   * `if`, `for NAME in …`, `while` and `until`, with redirections after their closing keyword. As
   * in mvdan-sh's tree, the commands inside are the statement's calls; redirections of the whole
   * make a call of their own, after them.
   */
  private compound(opening: string, piped: boolean, into: Sink): void {
    const src = this.src;
    this.nesting++;
    const line = this.line + this.lineBase;
    const body = sink();
    this.i += opening.length;
    if (opening === 'if') {
      let end = 'elif';
      while (end === 'elif') {
        this.list(['then'], body);
        end = this.list(['elif', 'else', 'fi'], body);
      }
      if (end === 'else') this.list(['fi'], body);
    } else if (opening === 'for') {
      this.skipBlanks();
      LOOP_NAME.lastIndex = this.i;
      const m = LOOP_NAME.exec(src);
      if (!m) throw GIVE_UP;
      this.i += m[0].length;
      body.assigned.push(m[0]);
      this.skipBlanks();
      if (this.i >= src.length) throw NOT_SHELL;
      if (!this.keyword(['in'])) throw GIVE_UP;
      this.i += 2;
      for (;;) {
        this.skipBlanks();
        const c = src[this.i];
        if (c === undefined || c === ';' || c === '\n' || c === '#') break;
        if (c === '|' || c === '&' || c === '<' || c === '>' || c === ')') throw GIVE_UP;
        this.word(body);
      }
      if (!this.separator()) throw NOT_SHELL;
      this.skipSpace();
      if (this.i >= src.length) throw NOT_SHELL;
      if (!this.keyword(['do'])) throw GIVE_UP;
      this.i += 2;
      this.list(['done'], body);
    } else {
      this.list(['do'], body);
      this.list(['done'], body);
    }
    this.maxEnd = this.i;
    const redirects: ShRedirect[] = [];
    const redirected = sink();
    for (;;) {
      this.skipBlanks();
      const c = src[this.i];
      if (c === '<' || c === '>' || (c === '&' && src[this.i + 1] === '>')) {
        redirects.push(this.redirect('', redirected));
        continue;
      }
      FD.lastIndex = this.i;
      const fd = FD.exec(src);
      if (!fd) break;
      this.i += fd[1]!.length;
      redirects.push(this.redirect(fd[1]!, redirected));
    }
    pour(redirected, into);
    pour(body, into);
    this.nesting--;
    if (redirects.length) into.calls.push({ words: [], assigns: [], redirects, piped, line });
  }

  private call(piped: boolean, into: Sink): void {
    const src = this.src;
    const line = this.line + this.lineBase;
    const words: ShWord[] = [];
    const assigns: string[] = [];
    const redirects: ShRedirect[] = [];
    // Assignments and words write into `into` as they come; what redirections add goes before
    // them at the end, where mvdan-sh's tree has it.
    const callsMark = into.calls.length;
    const paramsMark = into.params.length;
    const assignedMark = into.assigned.length;
    const braceWordsMark = into.braceWords.length;
    let redirected: Sink | undefined;
    for (;;) {
      this.skipBlanks();
      const c = src.charCodeAt(this.i);
      if (Number.isNaN(c) || c === 10 || c === 59 || c === 124 || c === 35 || (c === 41 && this.depth > 0)) break; // \n ; | # )
      if (c === 38 && src.charCodeAt(this.i + 1) !== 62) break; // & not &>
      if (c === 38 || c === 60 || c === 62) { // &> < >
        redirects.push(this.redirect('', (redirected ??= sink())));
        continue;
      }
      // Only a digit can start a descriptor before a redirection.
      const fd = c >= 48 && c <= 57 ? ((FD.lastIndex = this.i), FD.exec(src)) : null;
      if (fd) {
        this.i += fd[1]!.length;
        redirects.push(this.redirect(fd[1]!, (redirected ??= sink())));
        continue;
      }
      const start = this.i;
      if (words.length === 0) {
        const end = assignmentEnd(src, start);
        if (end > 0) {
          const name = src.slice(start, src.charCodeAt(end - 2) === 43 ? end - 2 : end - 1);
          assigns.push(name);
          into.assigned.push(name);
          this.i = end;
          this.word(into);
          this.noDigitBeforeRedirection();
          continue;
        }
      }
      this.argument = words.length > 0;
      const word = this.word(into);
      this.argument = false;
      this.noDigitBeforeRedirection();
      if (words.length === 0) {
        // A word as long as its text is its text (quotes and `\${X:-d}` make the value shorter): no
        // copy then, and the program name's hash, worked out here, serves its classification too.
        const raw = word.value.length === this.i - start ? word.value : src.slice(start, this.i);
        // What else looks like an assignment (`é=x`: mvdan-sh takes Unicode names) is left to mvdan-sh.
        if (raw.includes('=') || (raw.includes('[') && NAME_AND_INDEX.test(raw)) || NOT_A_PROGRAM.has(raw) || raw[0] === '{' || raw[0] === '}') throw GIVE_UP;
      }
      words.push(word);
    }
    if (words.length === 0 && assigns.length === 0) throw GIVE_UP;
    if (redirected) {
      into.calls.splice(callsMark, 0, ...redirected.calls);
      into.params.splice(paramsMark, 0, ...redirected.params);
      into.assigned.splice(assignedMark, 0, ...redirected.assigned);
      into.braceWords.splice(braceWordsMark, 0, ...redirected.braceWords);
    }
    into.calls.push({ words, assigns, redirects, piped, line });
  }

  /**
   * `<<EOF` or `<<'EOF'`, at the top level, with nothing but simple redirections after it on its
   * line, and a body of plain text, `$NAME` and `${NAME}` (any text after a quoted delimiter),
   * closed by its delimiter alone on a line. The body's expansions count as the statement's, read
   * where mvdan-sh's tree has them: right after the redirection's own word.
   */
  private hereDocument(fd: string, into: Sink): ShRedirect {
    const src = this.src;
    this.i += 2;
    if (src[this.i] === '<' || src[this.i] === '-' || this.depth > 0 || this.nesting > 0 || this.hereDoc) throw GIVE_UP;
    this.skipBlanks();
    HERE_DELIMITER.lastIndex = this.i;
    const m = HERE_DELIMITER.exec(src);
    if (!m) throw GIVE_UP;
    const quoted = m[1] !== undefined;
    const delimiter = m[2]!;
    const lineEnd = src.indexOf('\n', this.i);
    if (lineEnd < 0 || !REST_OF_HERE_LINE.test(src.slice(this.i + m[0].length, lineEnd))) throw GIVE_UP;
    const target = this.word(into).value;
    let pos = lineEnd + 1;
    let bodyLines = 0;
    for (;;) {
      const nl = src.indexOf('\n', pos);
      if (src.slice(pos, nl < 0 ? src.length : nl) === delimiter) break;
      if (nl < 0) throw GIVE_UP;
      pos = nl + 1;
      bodyLines++;
    }
    if (!quoted) {
      const body = src.slice(lineEnd + 1, pos);
      if (body.includes('\\') || body.includes('`')) throw GIVE_UP;
      for (let k = body.indexOf('$'); k >= 0; k = body.indexOf('$', k + 1)) {
        HERE_PARAM.lastIndex = k;
        const p = HERE_PARAM.exec(body);
        if (!p) throw GIVE_UP;
        into.params.push(p[1] ?? p[2]!);
      }
    }
    this.hereDoc = { lineEnd, end: pos + delimiter.length, bodyLines };
    return { op: '<<', fd, target };
  }

  private redirect(fd: string, into: Sink): ShRedirect {
    const src = this.src;
    if (src.startsWith('<<', this.i)) return this.hereDocument(fd, into);
    const op = REDIRECTIONS.find((o) => src.startsWith(o, this.i));
    if (!op) throw GIVE_UP;
    this.i += op.length;
    this.skipBlanks();
    const c = src[this.i];
    if (c === undefined) throw NOT_SHELL;
    if ('\n;|&<>()#'.includes(c)) throw GIVE_UP;
    const target = this.word(into).value;
    // `<0<f`: mvdan-sh reads the 0 as the next redirection's descriptor, leaving this one without a word.
    this.noDigitBeforeRedirection();
    return { op, fd, target };
  }
}

/** The items once each, in order: most lists here are empty or hold one item (a statement's own list, kept as it is then). */
function distinct(items: string[]): string[] {
  return items.length < 2 ? items : [...new Set(items)];
}

/**
 * The statements of simple shell text, as `parseShell` would give them, or undefined when the
 * text needs the real parser. `lineBase` as for `parseShell`.
 */
export function readSimpleShell(source: string, lineBase = 0): ShStatement[] | 'not shell' | undefined {
  const read = simpleRead(source, lineBase);
  return read instanceof ShellSyntaxError ? 'not shell' : read;
}

/**
 * The error `parseShell` throws for text this reader calls not shell, when the reader can word it
 * as mvdan-sh does (a `(` inside an argument: `x = enqueue(payload)`); otherwise undefined.
 */
export function simpleShellError(source: string, lineBase = 0): ShellSyntaxError | undefined {
  const read = simpleRead(source, lineBase);
  return read instanceof ShellSyntaxError && read.message !== NOT_SHELL_MESSAGE ? read : undefined;
}

const NOT_SHELL_MESSAGE = 'not shell';

function simpleRead(source: string, lineBase: number): ShStatement[] | ShellSyntaxError | undefined {
  const reader = new SimpleReader(source, lineBase);
  try {
    return reader.statements();
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    if (e === NOT_SHELL) return reader.failure ? shellSyntaxError(reader.failure.message, reader.failure.line) : shellSyntaxError(NOT_SHELL_MESSAGE, lineBase + 1);
    throw e;
  }
}

/** Shell text into statements: simple text by `readSimpleShell`, the rest by mvdan-sh. Throws `ShellSyntaxError` as `parseShell` does. */
export function readShell(source: string, lineBase = 0, options: { quickFailure?: boolean } = {}): ShStatement[] {
  const simple = speedups().simpleShell ? simpleRead(source, lineBase) : undefined;
  if (Array.isArray(simple)) return simple;
  // Text that is not shell goes to mvdan-sh for its own words about what is wrong, unless this
  // reader words it as mvdan-sh would, or the caller only needs to know that it fails
  // (`quickFailure`): then the message is this reader's.
  if (simple instanceof ShellSyntaxError && (options.quickFailure || simple.message !== NOT_SHELL_MESSAGE)) throw simple;
  return parseShell(source, lineBase);
}
