import { createRequire } from 'node:module';

/**
 * Shell syntax trees from mvdan-sh (the GopherJS build of mvdan.cc/sh/v3/syntax).
 *
 * We read the parser's Go structs directly (`__internal_object__`) instead of going through the
 * wrapper objects: each wrapper property access externalises a Go value and costs about 15 µs,
 * which made reading the tree ten times slower than parsing it. The structs of mvdan-sh 0.10.1
 * (the last release of the package) are stable; `shell-parse.test.ts` checks this reader against
 * the public API on the seed runbooks.
 */

const require = createRequire(import.meta.url);

interface ShSyntax {
  NewParser: (...opts: unknown[]) => { Parse: (src: string, name: string) => { __internal_object__: GoNode } };
}

/** A Go value as GopherJS lays it out: struct fields as properties, slices as `$array/$offset/$length`. */
type GoNode = Record<string, unknown> & { constructor: { string?: string; nil?: unknown } };
interface GoSlice { $array: GoNode[]; $offset: number; $length: number }
interface GoPos { offs: number; lineCol: number }

type ShParser = ReturnType<ShSyntax['NewParser']>;
let loaded: ShParser | undefined;

/**
 * The GopherJS parser, loaded at the first text that needs it (about 0.1 s of CPU): plain command
 * lines are read without it (shell-plain.ts), so most processes that read runbooks never load it.
 */
function parser(): ShParser {
  if (loaded) return loaded;
  // GopherJS sets Error.stackTraceLimit to Infinity for the whole process when it loads; put it back.
  const savedLimit = Error.stackTraceLimit;
  const { syntax } = require('mvdan-sh') as { syntax: ShSyntax };
  Error.stackTraceLimit = savedLimit;
  return (loaded = syntax.NewParser());
}

/** A word of a simple command, as the shell would see it before expansion. */
export interface ShWord {
  /** The word with quotes removed; expansions kept as written (`$TOKEN`, `$(date)`). */
  value: string;
  /** True when the word has no expansion: its value is exactly what the program receives. */
  literal: boolean;
}

export interface ShRedirect {
  op: '>' | '>>' | '<' | '<<' | '<<<' | '>&' | '<&' | '&>' | '&>>' | '<>' | '>|';
  fd: string;
  target: string;
}

/** One simple command (`kubectl get pods`), wherever it sits in the statement. */
export interface ShCall {
  words: ShWord[];
  assigns: string[];
  redirects: ShRedirect[];
  /** Receives a pipe on stdin (`… | psql`). */
  piped: boolean;
  line: number;
}

/** One top-level statement: what a responder runs as a unit. */
export interface ShStatement {
  text: string;
  line: number;
  calls: ShCall[];
  /** Names used in `$NAME` / `${NAME}` expansions outside single quotes. */
  params: string[];
  /** Names the statement assigns (`X=…`, `for X in`, `export X=…`). */
  assigned: string[];
  /** Literal `{name}` words outside quotes (`/webhooks/{webhookId}/logs`). */
  braceWords: string[];
  /** Ends with `&`: it runs in the background (its text keeps the `&`). */
  background?: true;
}

/**
 * A `$NAME` / `${NAME…}` expansion standing outside any quotes in a word (split and globbed by
 * bash), as UTF-8 byte offsets into the parsed source. Heredocs, `[[ ]]` and arithmetic excluded.
 */
export interface UnquotedExpansion {
  name: string;
  start: number;
  end: number;
}

export class ShellSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
  }
}

/**
 * A `ShellSyntaxError` without a stack trace, for the reader's own failures: thrown and caught
 * inside the reader (a paragraph that does not parse alone is read again with the rest of its
 * block), where taking the stack was most of what a failure cost.
 */
export function shellSyntaxError(message: string, line: number): ShellSyntaxError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new ShellSyntaxError(message, line);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

const REDIRECT_OPS: Record<number, ShRedirect['op']> = {
  54: '>', 55: '>>', 56: '<', 57: '<>', 58: '<&', 59: '>&', 60: '>|', 61: '<<', 62: '<<', 63: '<<<', 64: '&>', 65: '&>>',
};
const PIPE_OPS = new Set([12, 13]);

function isNil(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  const c = (v as GoNode).constructor;
  return !c || c.string === undefined || v === c.nil;
}

function items(s: unknown): GoNode[] {
  if (isNil(s)) return [];
  const sl = s as GoSlice;
  if (!sl.$array) return [];
  return sl.$array.slice(sl.$offset, sl.$offset + sl.$length);
}

/** Go strings are byte strings in GopherJS; decode UTF-8 where needed. */
function str(v: unknown): string {
  const s = typeof v === 'string' ? v : '';
  // eslint-disable-next-line no-control-regex
  return /[^\x00-\x7f]/.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}

const LINE_SHIFT = 14; // mvdan.cc/sh/v3: Pos.lineCol holds the line above 14 column bits

function lineOf(p: unknown): number {
  return isNil(p) ? 0 : ((p as GoPos).lineCol >>> LINE_SHIFT);
}

class Reader {
  calls: ShCall[] = [];
  params: string[] = [];
  assigned: string[] = [];
  braceWords: string[] = [];
  unquoted: UnquotedExpansion[] = [];
  maxEnd = 0;

  constructor(private readonly bytes: Buffer, private readonly lineBase: number) {}

  private end(p: unknown, plus = 0): void {
    if (isNil(p)) return;
    const o = (p as GoPos).offs + plus;
    if (o > this.maxEnd) this.maxEnd = o;
  }

  private slice(from: unknown, to: unknown, plus: number): string {
    if (isNil(from) || isNil(to)) return '';
    return this.bytes.subarray((from as GoPos).offs, (to as GoPos).offs + plus).toString('utf8');
  }

  stmts(list: unknown, piped = false): void {
    for (const st of items(list)) this.stmt(st, piped);
  }

  stmt(st: GoNode, piped: boolean): void {
    if (isNil(st)) return;
    const redirects: ShRedirect[] = [];
    for (const r of items(st.Redirs)) {
      const op = REDIRECT_OPS[r.Op as number] ?? '>';
      const target = isNil(r.Word) ? '' : this.word(r.Word as GoNode, false).value;
      redirects.push({ op, fd: isNil(r.N) ? '' : str((r.N as GoNode).Value), target });
      if (!isNil(r.Hdoc)) this.word(r.Hdoc as GoNode, true);
    }
    this.cmd(st.Cmd as GoNode, redirects, piped, lineOf(st.Position));
  }

  cmd(c: GoNode, redirects: ShRedirect[], piped: boolean, line: number): void {
    if (isNil(c)) {
      if (redirects.length) this.calls.push({ words: [], assigns: [], redirects, piped, line: line + this.lineBase });
      return;
    }
    switch (c.constructor.string) {
      case '*syntax.CallExpr': {
        const assigns: string[] = [];
        for (const a of items(c.Assigns)) {
          const name = str((a.Name as GoNode)?.Value);
          assigns.push(name);
          this.assigned.push(name);
          if (!isNil(a.Value)) this.word(a.Value as GoNode, false);
        }
        const words = items(c.Args).map((w) => this.word(w, false));
        this.calls.push({ words, assigns, redirects, piped, line: line + this.lineBase });
        return;
      }
      case '*syntax.BinaryCmd': {
        this.stmt(c.X as GoNode, piped);
        this.stmt(c.Y as GoNode, PIPE_OPS.has(c.Op as number));
        return;
      }
      case '*syntax.Block':
      case '*syntax.Subshell':
        this.stmts(c.Stmts, piped);
        this.end(c.Rbrace ?? c.Rparen, 1);
        break;
      case '*syntax.IfClause':
        this.stmts(c.Cond);
        this.stmts(c.Then);
        if (!isNil(c.Else)) this.cmd(c.Else as GoNode, [], false, line);
        this.end(c.FiPos, 2);
        break;
      case '*syntax.WhileClause':
        this.stmts(c.Cond);
        this.stmts(c.Do);
        this.end(c.DonePos, 4);
        break;
      case '*syntax.ForClause': {
        const loop = c.Loop as GoNode;
        if (!isNil(loop) && loop.constructor.string === '*syntax.WordIter') {
          this.assigned.push(str((loop.Name as GoNode)?.Value));
          for (const w of items(loop.Items)) this.word(w, false);
        }
        this.stmts(c.Do);
        this.end(c.DonePos, 4);
        break;
      }
      case '*syntax.CaseClause':
        this.word(c.Word as GoNode, false);
        for (const it of items(c.Items)) this.stmts(it.Stmts);
        this.end(c.Esac, 4);
        break;
      case '*syntax.FuncDecl':
        this.stmt(c.Body as GoNode, false);
        break;
      case '*syntax.TimeClause':
      case '*syntax.CoprocClause':
        this.stmt(c.Stmt as GoNode, piped);
        break;
      case '*syntax.DeclClause': {
        const variant = str((c.Variant as GoNode)?.Value);
        const names: string[] = [];
        for (const a of items(c.Args)) {
          const name = isNil(a.Name) ? '' : str((a.Name as GoNode).Value);
          if (name) { names.push(name); this.assigned.push(name); }
          if (!isNil(a.Value)) this.word(a.Value as GoNode, false);
        }
        this.calls.push({ words: [variant, ...names].map((value) => ({ value, literal: true })), assigns: [], redirects, piped, line: line + this.lineBase });
        return;
      }
      default:
        // [[ … ]], (( … )), let: tests and arithmetic, no external program.
        this.end(c.Right ?? c.Rparen, 2);
        this.calls.push({ words: [{ value: '[[', literal: true }], assigns: [], redirects, piped, line: line + this.lineBase });
        return;
    }
    if (redirects.length) this.calls.push({ words: [], assigns: [], redirects, piped, line: line + this.lineBase });
  }

  word(w: GoNode, inDouble: boolean): ShWord {
    let value = '';
    let literal = true;
    for (const p of items(w.Parts)) {
      const part = this.part(p, inDouble);
      value += part.value;
      literal &&= part.literal;
    }
    return { value, literal };
  }

  private part(p: GoNode, inDouble: boolean): ShWord {
    switch (p.constructor.string) {
      case '*syntax.Lit': {
        this.end(p.ValueEnd);
        const v = str(p.Value);
        if (!inDouble) this.braceWords.push(...(v.match(/\{[A-Za-z_][\w-]*\}/g) ?? []));
        return { value: unescapeLiteral(v, inDouble), literal: true };
      }
      case '*syntax.SglQuoted':
        this.end(p.Right, 1);
        return { value: str(p.Value), literal: true };
      case '*syntax.DblQuoted': {
        this.end(p.Right, 1);
        let value = '';
        let literal = true;
        for (const q of items(p.Parts)) {
          const part = this.part(q, true);
          value += part.value;
          literal &&= part.literal;
        }
        return { value, literal };
      }
      case '*syntax.ParamExp': {
        this.end(p.Rbrace, 1);
        const name = isNil(p.Param) ? '' : str((p.Param as GoNode).Value);
        this.end((p.Param as GoNode)?.ValueEnd);
        if (name) this.params.push(name);
        if (name && !inDouble && !isNil(p.Dollar)) {
          const end = p.Short ? (p.Param as GoNode).ValueEnd : p.Rbrace;
          if (!isNil(end)) this.unquoted.push({ name, start: (p.Dollar as GoPos).offs, end: (end as GoPos).offs + (p.Short ? 0 : 1) });
        }
        return { value: p.Short ? `$${name}` : `\${${name}}`, literal: false };
      }
      case '*syntax.CmdSubst':
      case '*syntax.ProcSubst': {
        // A command substitution runs commands too: read them as part of this statement.
        this.stmts(p.Stmts);
        this.end(p.Right ?? p.Rparen, 1);
        const text = this.slice(p.Left ?? p.OpPos, p.Right ?? p.Rparen, 1);
        return { value: text, literal: false };
      }
      default:
        this.end(p.Right, 2);
        return { value: '', literal: false };
    }
  }
}

/**
 * A literal's text as the program receives it: the parser keeps backslashes as written. Outside
 * quotes a backslash quotes the next character (and a backslash-newline joins lines); inside double
 * quotes only before `$`, a backquote, `"`, `\\` or a newline.
 */
function unescapeLiteral(text: string, inDouble: boolean): string {
  if (!text.includes('\\')) return text;
  return inDouble ? text.replace(/\\([$`"\\\n])/g, (_, c: string) => (c === '\n' ? '' : c)) : text.replace(/\\([\s\S])/g, (_, c: string) => (c === '\n' ? '' : c));
}

/**
 * Parse shell source into its top-level statements. `lineBase` is added to every line (the
 * line of the source's first line, minus one). Throws `ShellSyntaxError` when the source is not
 * valid bash.
 */
export function parseShell(source: string, lineBase = 0): ShStatement[] {
  let file: GoNode;
  try {
    file = parser().Parse(source, 'block').__internal_object__;
  } catch (e) {
    const message = errorText(e);
    const m = /^block:(\d+):(\d+): (.*)$/s.exec(message);
    throw new ShellSyntaxError(m ? m[3]! : message, (m ? Number(m[1]) : 1) + lineBase);
  }
  const bytes = Buffer.from(source, 'utf8');
  const out: ShStatement[] = [];
  for (const st of items(file.Stmts)) {
    const r = new Reader(bytes, lineBase);
    const start = (st.Position as GoPos).offs;
    r.stmt(st, false);
    // The tree ends a statement at its last word: the `&` that sends it to the background is only a flag.
    const background = st.Background === true;
    const end = Math.max(r.maxEnd, start, background ? (st.Semicolon as GoPos).offs + 1 : 0);
    const text = bytes.subarray(start, end).toString('utf8').trim();
    out.push({
      text,
      line: lineOf(st.Position) + lineBase,
      calls: r.calls,
      params: [...new Set(r.params)],
      assigned: [...new Set(r.assigned)],
      braceWords: [...new Set(r.braceWords)],
      ...(background ? { background: true as const } : {}),
    });
  }
  return out;
}

/** Every unquoted parameter expansion of the source, in order (throws `ShellSyntaxError` like `parseShell`). */
export function unquotedExpansions(source: string): UnquotedExpansion[] {
  let file: GoNode;
  try {
    file = parser().Parse(source, 'block').__internal_object__;
  } catch (e) {
    throw new ShellSyntaxError(errorText(e), 1);
  }
  const r = new Reader(Buffer.from(source, 'utf8'), 0);
  r.stmts(file.Stmts);
  return r.unquoted.sort((a, b) => a.start - b.start);
}

function errorText(e: unknown): string {
  if (e && typeof e === 'object' && typeof (e as { Error?: unknown }).Error === 'function') return String((e as { Error: () => string }).Error());
  if (e instanceof Error) return e.message;
  return String(e);
}
