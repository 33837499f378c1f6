import { SQL_KEYWORDS } from './sql-keywords.js';

/**
 * Plain SQL read without the PostgreSQL parser. Runbooks repeat a few statement shapes: a SELECT
 * of columns and function calls from a table with a WHERE, GROUP BY, ORDER BY and LIMIT; CREATE
 * INDEX; VACUUM, ANALYZE, REINDEX; SHOW. libpg-query costs about 0.1 ms a statement and was a
 * large part of the reader's time, so text made only of those shapes is read here. The grammar
 * taken is a strict subset of PostgreSQL's (no keyword is taken for a name, comparisons do not
 * chain, no casts, joins, quoted names or non-ASCII text): whatever it accepts, PostgreSQL parses
 * too; anything else is `undefined` and goes to libpg-query. `sql-plain.test.ts` checks on
 * generated SQL and on the bench corpus that what it accepts, libpg-query reads the same way.
 */

/** A statement this reader understood: where it is, and what the classification needs of it. */
export interface PlainSqlStatement {
  /** The statement's text, from its first token to its `;` or the end of the text, trimmed. */
  text: string;
  /** Newlines before the statement's first token. */
  lineOffset: number;
  kind: 'select' | 'create-index' | 'vacuum' | 'analyze' | 'reindex' | 'show';
  /** Names of the functions the statement calls, lower case, in order of appearance. */
  functions: string[];
}

type Tok = { kind: 'word'; word: string; start: number } | { kind: 'num' | 'str' | 'op' | 'end'; text: string; start: number };

class NotPlain extends Error {}
const NOT_PLAIN = new NotPlain();

const OPERATORS = new Set(['=', '<>', '!=', '<', '>', '<=', '>=', '+', '-', '*', '/', '%']);
const COMPARISON = new Set(['=', '<>', '!=', '<', '>', '<=', '>=']);
const OPERATOR_CHAR = /[+\-*/<>=~!@#%^&|`?]/;
const EXTRACT_FIELDS = new Set(['year', 'month', 'day', 'hour', 'minute', 'second']);

/** `[0-9]`; false past the end (NaN). */
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `[A-Za-z0-9_]`. */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || isDigit(c);
}

function tokenize(sql: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (c > 126) throw NOT_PLAIN;
    if (c === 32 || c === 10 || c === 9 || c === 13) {
      i++;
      continue;
    }
    if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl;
      continue;
    }
    const start = i;
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) {
      while (i < sql.length && isWordChar(sql.charCodeAt(i))) i++;
      if (sql[i] === '$') throw NOT_PLAIN;
      out.push({ kind: 'word', word: sql.slice(start, i).toLowerCase(), start });
      continue;
    }
    if (c >= 48 && c <= 57) {
      while (isDigit(sql.charCodeAt(i))) i++;
      if (sql[i] === '.' && isDigit(sql.charCodeAt(i + 1))) {
        i++;
        while (isDigit(sql.charCodeAt(i))) i++;
      }
      // `1e5`, `1.`, `0x1f`, `1_000`, `5minutes`: other number forms are left to PostgreSQL.
      if (/[A-Za-z0-9_.$]/.test(sql[i] ?? '')) throw NOT_PLAIN;
      out.push({ kind: 'num', text: sql.slice(start, i), start });
      continue;
    }
    if (c === 39) {
      // A standard string: '' is a quote inside. A string right after another is left to PostgreSQL.
      i++;
      for (;;) {
        const q = sql.indexOf("'", i);
        if (q < 0) throw NOT_PLAIN;
        i = q + 1;
        if (sql[i] === "'") i++;
        else break;
      }
      if (out[out.length - 1]?.kind === 'str') throw NOT_PLAIN;
      out.push({ kind: 'str', text: sql.slice(start, i), start });
      continue;
    }
    if (c === 40 || c === 41 || c === 44 || c === 59 || c === 46) {
      out.push({ kind: 'op', text: sql[i]!, start });
      i++;
      continue;
    }
    if (OPERATOR_CHAR.test(sql[i]!)) {
      while (i < sql.length && OPERATOR_CHAR.test(sql[i]!)) i++;
      const op = sql.slice(start, i);
      if (!OPERATORS.has(op)) throw NOT_PLAIN;
      out.push({ kind: 'op', text: op, start });
      continue;
    }
    throw NOT_PLAIN;
  }
  out.push({ kind: 'end', text: '', start: sql.length });
  return out;
}

class Reader {
  private p = 0;
  functions: string[] = [];

  constructor(private readonly toks: Tok[]) {}

  peek(offset = 0): Tok {
    return this.toks[Math.min(this.p + offset, this.toks.length - 1)]!;
  }

  private isWord(w: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'word' && t.word === w;
  }

  private isOp(op: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'op' && t.text === op;
  }

  eatWord(w: string): boolean {
    if (!this.isWord(w)) return false;
    this.p++;
    return true;
  }

  expectWord(w: string): void {
    if (!this.eatWord(w)) throw NOT_PLAIN;
  }

  eatOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.p++;
    return true;
  }

  private expectOp(op: string): void {
    if (!this.eatOp(op)) throw NOT_PLAIN;
  }

  /** A name that is no keyword of any kind. */
  private isName(offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'word' && !SQL_KEYWORDS.has(t.word);
  }

  name(): string {
    const t = this.peek();
    if (t.kind !== 'word' || SQL_KEYWORDS.has(t.word)) throw NOT_PLAIN;
    this.p++;
    return t.word;
  }

  /** `name` or `schema.name`. */
  qualifiedName(): void {
    this.name();
    if (this.eatOp('.')) this.name();
  }

  atStatementEnd(): boolean {
    const t = this.peek();
    return t.kind === 'end' || (t.kind === 'op' && t.text === ';');
  }

  select(): void {
    this.expectWord('select');
    do this.target();
    while (this.eatOp(','));
    if (this.eatWord('from')) {
      do this.fromItem();
      while (this.eatOp(','));
    }
    if (this.eatWord('where')) this.expr();
    if (this.isWord('group') && this.isWord('by', 1)) {
      this.p += 2;
      do this.expr();
      while (this.eatOp(','));
    }
    if (this.eatWord('having')) this.expr();
    if (this.isWord('order') && this.isWord('by', 1)) {
      this.p += 2;
      do {
        this.expr();
        if (!this.eatWord('desc')) this.eatWord('asc');
      } while (this.eatOp(','));
    }
    if (this.eatWord('limit') && !this.eatWord('all')) this.number();
    if (this.eatWord('offset')) this.number();
  }

  private number(): void {
    if (this.peek().kind !== 'num') throw NOT_PLAIN;
    this.p++;
  }

  private target(): void {
    if (this.eatOp('*')) return;
    this.expr();
    if (this.eatWord('as')) {
      // After AS any word is a label, keywords included.
      if (this.peek().kind !== 'word') throw NOT_PLAIN;
      this.p++;
    } else if (this.isName()) this.p++;
  }

  private fromItem(): void {
    this.qualifiedName();
    if (this.eatWord('as')) this.name();
    else if (this.isName()) this.p++;
  }

  /** An expression: OR of ANDs of NOTs of a comparison, as PostgreSQL ranks them. */
  expr(): void {
    this.conjunction();
    while (this.eatWord('or')) this.conjunction();
  }

  private conjunction(): void {
    this.negation();
    while (this.eatWord('and')) this.negation();
  }

  private negation(): void {
    if (this.eatWord('not')) return this.negation();
    this.isTest();
  }

  /** `x IS [NOT] NULL|TRUE|FALSE`, which does not chain. */
  private isTest(): void {
    this.comparison();
    if (this.eatWord('is')) {
      this.eatWord('not');
      if (!this.eatWord('null') && !this.eatWord('true') && !this.eatWord('false')) throw NOT_PLAIN;
      if (this.isWord('is')) throw NOT_PLAIN;
    }
  }

  /** One comparison at most: `a = b = c` is a syntax error in PostgreSQL. */
  private comparison(): void {
    this.sum();
    const t = this.peek();
    if (t.kind === 'op' && COMPARISON.has(t.text)) {
      this.p++;
      this.sum();
      const next = this.peek();
      if (next.kind === 'op' && COMPARISON.has(next.text)) throw NOT_PLAIN;
    }
  }

  private sum(): void {
    this.product();
    while (this.eatOp('+') || this.eatOp('-')) this.product();
  }

  private product(): void {
    this.unary();
    while (this.eatOp('*') || this.eatOp('/') || this.eatOp('%')) this.unary();
  }

  private unary(): void {
    if (this.eatOp('-') || this.eatOp('+')) return this.unary();
    this.primary();
  }

  private primary(): void {
    const t = this.peek();
    if (t.kind === 'num' || t.kind === 'str') {
      this.p++;
      return;
    }
    if (t.kind === 'op' && t.text === '(') {
      this.p++;
      if (this.isWord('select')) this.select();
      else this.expr();
      this.expectOp(')');
      return;
    }
    if (t.kind !== 'word') throw NOT_PLAIN;
    if (t.word === 'true' || t.word === 'false' || t.word === 'null') {
      this.p++;
      return;
    }
    if (t.word === 'interval' && this.peek(1).kind === 'str') {
      this.p += 2;
      return;
    }
    if (t.word === 'extract' && this.isOp('(', 1)) {
      this.p += 2;
      const field = this.peek();
      if (field.kind !== 'word' || (SQL_KEYWORDS.has(field.word) && !EXTRACT_FIELDS.has(field.word))) throw NOT_PLAIN;
      this.p++;
      this.expectWord('from');
      this.expr();
      this.expectOp(')');
      this.functions.push('extract');
      return;
    }
    const name = this.name();
    if (this.eatOp('(')) {
      if (!this.eatOp('*') && !this.isOp(')')) {
        do this.expr();
        while (this.eatOp(','));
      }
      this.expectOp(')');
      this.functions.push(name);
      return;
    }
    if (this.eatOp('.')) this.name();
  }
}

/** The statement kinds this reader takes, by their first words. */
function statement(r: Reader): PlainSqlStatement['kind'] {
  if (r.peek().kind !== 'word') throw NOT_PLAIN;
  if (r.eatWord('create')) {
    r.expectWord('index');
    r.eatWord('concurrently');
    r.name();
    r.expectWord('on');
    r.qualifiedName();
    if (!r.eatOp('(')) throw NOT_PLAIN;
    do r.name();
    while (r.eatOp(','));
    if (!r.eatOp(')')) throw NOT_PLAIN;
    return 'create-index';
  }
  if (r.eatWord('vacuum')) {
    r.eatWord('analyze');
    if (!r.atStatementEnd()) r.qualifiedName();
    return 'vacuum';
  }
  if (r.eatWord('analyze')) {
    if (!r.atStatementEnd()) r.qualifiedName();
    return 'analyze';
  }
  if (r.eatWord('reindex')) {
    if (r.eatWord('table') || r.eatWord('index')) r.qualifiedName();
    else if (r.eatWord('database') || r.eatWord('system')) {
      if (!r.atStatementEnd()) r.name();
    } else throw NOT_PLAIN;
    return 'reindex';
  }
  if (r.eatWord('show')) {
    r.name();
    return 'show';
  }
  r.select();
  return 'select';
}

/** The statements of SQL text made only of the shapes this reader takes, or undefined. */
export function readPlainSql(sql: string): PlainSqlStatement[] | undefined {
  try {
    const toks = tokenize(sql);
    const out: PlainSqlStatement[] = [];
    const r = new Reader(toks);
    for (;;) {
      while (r.eatOp(';'));
      const first = r.peek();
      if (first.kind === 'end') return out;
      r.functions = [];
      const kind = statement(r);
      const end = r.peek();
      if (end.kind !== 'end' && !(end.kind === 'op' && end.text === ';')) throw NOT_PLAIN;
      out.push({ text: sql.slice(first.start, end.start).trim(), lineOffset: newlines(sql, first.start), kind, functions: r.functions });
    }
  } catch (e) {
    if (e === NOT_PLAIN) return undefined;
    throw e;
  }
}

function newlines(text: string, upTo: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < upTo; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * `EXPLAIN ANALYZE <slow_query>;`: a runbook's template for a query the responder fills in.
 * PostgreSQL stops at the `<` that stands where a statement should start, so libpg-query's answer
 * is known without asking it: the message returned here. Only that one shape (comment lines before
 * it allowed) is taken; `sql-plain.test.ts` checks the message against libpg-query's.
 */
const EXPLAIN_PLACEHOLDER = /^(?:[ \t\n]*--[^\n]*\n)*[ \t\n]*explain[ \t\n]+(?:analy[sz]e[ \t\n]+)?(?:verbose[ \t\n]+)?<[A-Za-z][\w.-]*>[ \t\n]*;?[ \t\n]*$/i;

/** The error libpg-query gives for SQL this reader knows it rejects, or undefined. */
export function plainSqlFailure(sql: string): string | undefined {
  return EXPLAIN_PLACEHOLDER.test(sql) ? 'syntax error at or near "<"' : undefined;
}
