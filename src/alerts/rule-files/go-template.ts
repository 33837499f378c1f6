import { goSprintf, goValue, humanize, humanizeDuration, humanizePercentage } from './go-format.js';

/**
 * The part of Go's text/template that alert rules use, with Prometheus' data and functions:
 * - data: `$value` (or `.Value`), `$labels.NAME` (or `.Labels.NAME`), `$externalLabels.NAME`, `$externalURL`;
 * - actions: `{{ PIPELINE }}`, `{{ $x := PIPELINE }}`, `{{ if … }}…{{ else if … }}…{{ else }}…{{ end }}`,
 *   `{{ range $k, $v := $labels }}…{{ end }}` (also `range $labels`, dot then being the value), `{{/* comment *\/}}`,
 *   trim markers `{{-` and `-}}`, pipelines with `|`, parentheses, string and number literals;
 * - functions: humanize, humanizePercentage, humanizeDuration, printf, toUpper, toLower, title, len, index,
 *   eq, ne, lt, le, gt, ge, and, or, not.
 * Anything else is refused when the template is parsed, so a typo is a load-time error, never a page.
 */
export class TemplateError extends Error {}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipe; declare?: string }
  | { kind: 'if'; branches: { cond: Pipe; body: Node[] }[]; otherwise: Node[] }
  | { kind: 'range'; pipe: Pipe; key?: string; value?: string; body: Node[]; otherwise: Node[] };

type Operand =
  | { kind: 'var'; name: string; fields: string[] }
  | { kind: 'dot'; fields: string[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'func'; name: string }
  | { kind: 'paren'; pipe: Pipe };
type Command = Operand[];
type Pipe = Command[];

const FUNCS: Record<string, (...args: unknown[]) => unknown> = {
  humanize: (v) => humanize(toNumber(v)),
  humanizePercentage: (v) => humanizePercentage(toNumber(v)),
  humanizeDuration: (v) => humanizeDuration(toNumber(v)),
  printf: (f, ...rest) => goSprintf(String(f), rest),
  toUpper: (s) => String(s).toUpperCase(),
  toLower: (s) => String(s).toLowerCase(),
  title: (s) => String(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  len: (v) => (typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  index: (m, k) => (m && typeof m === 'object' ? ((m as Record<string, unknown>)[String(k)] ?? '') : ''),
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => (a as number) < (b as number),
  le: (a, b) => (a as number) <= (b as number),
  gt: (a, b) => (a as number) > (b as number),
  ge: (a, b) => (a as number) >= (b as number),
  not: (a) => !truthy(a),
};

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  const n = Number(v);
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(n)) return n;
  throw new TemplateError(`cannot convert ${JSON.stringify(v)} to a number`);
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** A parsed template, ready to render with data. */
export interface Template {
  render(data: TemplateData): string;
}

export interface TemplateData {
  labels: Record<string, string>;
  value: number;
  externalLabels?: Record<string, string>;
  externalURL?: string;
}

export function parseTemplate(text: string): Template {
  const tokens = tokenize(text);
  const parser = new BlockParser(tokens);
  const nodes = parser.block(new Set());
  if (parser.pos < tokens.length) throw new TemplateError(`unexpected {{${tokens[parser.pos]!.text}}}`);
  return { render: (data) => renderNodes(nodes, rootScope(data), data) };
}

type Token = { kind: 'text'; text: string } | { kind: 'action'; text: string };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open === -1) {
      out.push({ kind: 'text', text: text.slice(i) });
      break;
    }
    let before = text.slice(i, open);
    let start = open + 2;
    if (text[start] === '-' && /\s/.test(text[start + 1] ?? '')) {
      before = before.replace(/\s+$/, '');
      start++;
    }
    if (before) out.push({ kind: 'text', text: before });
    const close = findClose(text, start);
    if (close === -1) throw new TemplateError(`unclosed action at character ${open + 1}`);
    let inner = text.slice(start, close);
    i = close + 2;
    if (/\s-$/.test(inner)) {
      inner = inner.slice(0, -1);
      const m = /^\s*/.exec(text.slice(i))!;
      i += m[0].length;
    }
    if (/^\s*\/\*[\s\S]*\*\/\s*$/.test(inner)) continue;
    out.push({ kind: 'action', text: inner.trim() });
  }
  return out;
}

function findClose(text: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < text.length - 1; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '}' && text[i + 1] === '}') return i;
  }
  return -1;
}

class BlockParser {
  pos = 0;
  constructor(private readonly tokens: Token[]) {}

  block(stops: Set<string>): Node[] {
    const nodes: Node[] = [];
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos]!;
      if (t.kind === 'text') {
        nodes.push({ kind: 'text', text: t.text });
        this.pos++;
        continue;
      }
      const word = /^(\S+)/.exec(t.text)?.[1] ?? '';
      if (stops.has(word)) return nodes;
      this.pos++;
      if (word === 'if') nodes.push(this.ifNode(t.text.slice(2)));
      else if (word === 'range') nodes.push(this.rangeNode(t.text.slice(5)));
      else if (word === 'end' || word === 'else') throw new TemplateError(`unexpected {{${t.text}}}`);
      else if (['with', 'define', 'template', 'block', 'break', 'continue'].includes(word)) {
        throw new TemplateError(`{{${word}}} is not supported in opsbook's alert templates`);
      } else {
        const decl = /^\$([A-Za-z_]\w*)\s*:?=\s*([\s\S]+)$/.exec(t.text);
        if (decl) nodes.push({ kind: 'action', declare: decl[1], pipe: parsePipe(decl[2]!) });
        else nodes.push({ kind: 'action', pipe: parsePipe(t.text) });
      }
    }
    if (stops.size > 0) throw new TemplateError(`missing {{end}}`);
    return nodes;
  }

  private ifNode(condText: string): Node {
    const branches = [{ cond: parsePipe(condText), body: this.block(new Set(['else', 'end'])) }];
    let otherwise: Node[] = [];
    for (;;) {
      const t = this.tokens[this.pos]!;
      this.pos++;
      if (t.text === 'end') break;
      const elseIf = /^else\s+if\s+([\s\S]+)$/.exec(t.text);
      if (elseIf) {
        branches.push({ cond: parsePipe(elseIf[1]!), body: this.block(new Set(['else', 'end'])) });
        continue;
      }
      otherwise = this.block(new Set(['end']));
      this.pos++;
      break;
    }
    return { kind: 'if', branches, otherwise };
  }

  private rangeNode(text: string): Node {
    const m = /^\s*(?:\$([A-Za-z_]\w*)\s*(?:,\s*\$([A-Za-z_]\w*))?\s*:=\s*)?([\s\S]+)$/.exec(text)!;
    const [key, value] = m[2] ? [m[1], m[2]] : [undefined, m[1]];
    const pipe = parsePipe(m[3]!);
    const body = this.block(new Set(['else', 'end']));
    let otherwise: Node[] = [];
    const t = this.tokens[this.pos]!;
    this.pos++;
    if (t.text === 'else') {
      otherwise = this.block(new Set(['end']));
      this.pos++;
    }
    return { kind: 'range', pipe, key, value, body, otherwise };
  }
}

function parsePipe(text: string): Pipe {
  const words = lex(text);
  const pipe: Pipe = [];
  let cmd: Command = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '|') {
      if (cmd.length === 0) throw new TemplateError(`empty command in "${text}"`);
      pipe.push(cmd);
      cmd = [];
    } else if (w === '(') {
      let depth = 1;
      let j = i + 1;
      for (; j < words.length && depth > 0; j++) depth += words[j] === '(' ? 1 : words[j] === ')' ? -1 : 0;
      if (depth !== 0) throw new TemplateError(`unclosed parenthesis in "${text}"`);
      cmd.push({ kind: 'paren', pipe: parsePipe(words.slice(i + 1, j - 1).join(' ')) });
      i = j - 1;
    } else cmd.push(operand(w, text));
  }
  if (cmd.length === 0) throw new TemplateError(`empty action "${text}"`);
  pipe.push(cmd);
  pipe.forEach((c, i) => {
    const head = c[0]!;
    if (head.kind !== 'func' && (c.length > 1 || i > 0)) throw new TemplateError(`can't give arguments to a non-function in "${text}"`);
  });
  return pipe;
}

function lex(text: string): string[] {
  const out: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)|\||[^\s()|]+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    out.push(m[1]!);
    if (re.lastIndex >= text.length) break;
  }
  if (out.join('').replace(/\s/g, '').length !== text.replace(/\s/g, '').length) throw new TemplateError(`cannot read "${text}"`);
  return out;
}

function operand(w: string, text: string): Operand {
  if (w.startsWith('"')) return { kind: 'string', value: JSON.parse(w) as string };
  if (w.startsWith('`')) return { kind: 'string', value: w.slice(1, -1) };
  if (w === 'true' || w === 'false') return { kind: 'bool', value: w === 'true' };
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(w)) return { kind: 'number', value: Number(w) };
  if (w.startsWith('$')) {
    const [name, ...fields] = w.slice(1).split('.');
    return { kind: 'var', name: name!, fields };
  }
  if (w.startsWith('.')) return { kind: 'dot', fields: w === '.' ? [] : w.slice(1).split('.') };
  if (w === 'and' || w === 'or' || FUNCS[w]) return { kind: 'func', name: w };
  throw new TemplateError(`function "${w}" not defined (opsbook's alert templates know: ${[...Object.keys(FUNCS), 'and', 'or'].join(', ')}) in "${text}"`);
}

type Scope = Map<string, unknown>;

function rootScope(data: TemplateData): Scope {
  return new Map<string, unknown>([
    ['labels', data.labels],
    ['value', data.value],
    ['externalLabels', data.externalLabels ?? {}],
    ['externalURL', data.externalURL ?? ''],
    ['', rootDot(data)],
  ]);
}

function rootDot(data: TemplateData): Record<string, unknown> {
  return { Labels: data.labels, Value: data.value, ExternalLabels: data.externalLabels ?? {}, ExternalURL: data.externalURL ?? '' };
}

/** `.a.b` of a value; a key missing from a label map reads as "" (Go's zero value of map[string]string). */
function field(v: unknown, fields: string[]): unknown {
  let cur = v;
  for (const f of fields) {
    if (cur && typeof cur === 'object') cur = (cur as Record<string, unknown>)[f] ?? '';
    else return undefined;
  }
  return cur;
}

function evalOperand(o: Operand, scope: Scope): unknown {
  switch (o.kind) {
    case 'string':
    case 'number':
    case 'bool':
      return o.value;
    case 'var':
      if (!scope.has(o.name)) throw new TemplateError(`undefined variable "$${o.name}"`);
      return field(scope.get(o.name), o.fields);
    case 'dot':
      return field(scope.get(''), o.fields);
    case 'paren':
      return evalPipe(o.pipe, scope);
    case 'func':
      throw new TemplateError(`function ${o.name} used as a value`);
  }
}

function evalPipe(pipe: Pipe, scope: Scope): unknown {
  let prev: unknown;
  pipe.forEach((cmd, i) => {
    const head = cmd[0]!;
    if (head.kind !== 'func') {
      prev = evalOperand(head, scope);
      return;
    }
    const args = cmd.slice(1).map((o) => evalOperand(o, scope));
    if (i > 0) args.push(prev);
    if (head.name === 'and') prev = args.find((a) => !truthy(a)) ?? args[args.length - 1];
    else if (head.name === 'or') prev = args.find((a) => truthy(a)) ?? args[args.length - 1];
    else prev = FUNCS[head.name]!(...args);
  });
  return prev;
}

function renderNodes(nodes: Node[], scope: Scope, data: TemplateData): string {
  let out = '';
  for (const n of nodes) {
    switch (n.kind) {
      case 'text':
        out += n.text;
        break;
      case 'action': {
        const v = evalPipe(n.pipe, scope);
        if (n.declare) scope.set(n.declare, v);
        else out += goValue(v);
        break;
      }
      case 'if': {
        const branch = n.branches.find((b) => truthy(evalPipe(b.cond, scope)));
        out += renderNodes(branch ? branch.body : n.otherwise, new Map(scope), data);
        break;
      }
      case 'range': {
        const v = evalPipe(n.pipe, scope);
        const entries = v && typeof v === 'object' ? Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
        if (entries.length === 0) out += renderNodes(n.otherwise, new Map(scope), data);
        for (const [k, x] of entries) {
          const inner = new Map(scope);
          inner.set('', x);
          if (n.key) inner.set(n.key, k);
          if (n.value) inner.set(n.value, x);
          out += renderNodes(n.body, inner, data);
        }
        break;
      }
    }
  }
  return out;
}
