import { promqlParser } from '../lib/promql-grammar.js';
import { own } from '../lib/own.js';
import type { SyntaxNode } from '@lezer/common';
import type { AtModifier, Expr, ExprType, VectorMatching, VectorSelector } from './ast.js';
import { parseDurationLiteral, parseNumber, unquote } from './literals.js';
import type { Matcher } from './matchers.js';
import { anchoredRegex, matchesEmpty } from './matchers.js';
import { METRIC_NAME, PromQLError } from './model.js';
import { AGGREGATIONS, FUNCTIONS } from './signatures.js';

/** Parses a PromQL expression into opsbook's syntax tree, checking types as Prometheus does. */
export function parseExpr(text: string): Expr {
  const tree = promqlParser().parse(text);
  let error: number | undefined;
  tree.iterate({
    enter(n) {
      if (n.type.isError && error === undefined) error = n.from;
    },
  });
  if (error !== undefined) {
    const fn = /([a-zA-Z_][a-zA-Z0-9_]*)\s*$/.exec(text.slice(0, error));
    if (fn && text[error] === '(' && !own(FUNCTIONS, fn[1]!) && !own(AGGREGATIONS, fn[1]!.toLowerCase())) {
      throw new PromQLError(`unknown function with name "${fn[1]}"`, fn.index);
    }
    throw new PromQLError(`parse error at char ${error + 1}: unexpected input in "${text}"`, error);
  }
  const top = tree.topNode.firstChild;
  if (!top) throw new PromQLError('no expression found in input', 0);
  const expr = new Reader(text).expr(top);
  typeOf(expr);
  return expr;
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

const BINARY_OPS: Record<string, string> = {
  Add: '+', Sub: '-', Mul: '*', Div: '/', Mod: '%', Pow: '^', Atan2: 'atan2',
  Eql: '==', Neq: '!=', Gtr: '>', Lss: '<', Gte: '>=', Lte: '<=',
  And: 'and', Or: 'or', Unless: 'unless',
};
const MATCH_OPS: Record<string, Matcher['type']> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

class Reader {
  constructor(private readonly text: string) {}

  private src(n: SyntaxNode): string {
    return this.text.slice(n.from, n.to);
  }

  expr(n: SyntaxNode): Expr {
    switch (n.name) {
      case 'NumberDurationLiteral':
        return { type: 'NumberLiteral', value: parseNumber(this.src(n), n.from) };
      case 'StringLiteral':
        return { type: 'StringLiteral', value: unquote(this.src(n), n.from) };
      case 'ParenExpr':
        return { type: 'Paren', expr: this.expr(this.only(n)) };
      case 'UnaryExpr': {
        const [op, e] = children(n);
        return { type: 'Unary', op: this.src(op!) as '-' | '+', expr: this.expr(e!) };
      }
      case 'VectorSelector':
        return this.vectorSelector(n);
      case 'MatrixSelector': {
        const [sel, dur] = children(n);
        const inner = this.expr(sel!);
        if (inner.type !== 'VectorSelector') throw new PromQLError('ranges only allowed for vector selectors', n.from);
        if (inner.offset !== 0 || inner.at) throw new PromQLError('no offset or @ modifier allowed before a range', n.from);
        return { type: 'MatrixSelector', selector: inner, range: this.duration(dur!) };
      }
      case 'SubqueryExpr': {
        const [e, range, step] = children(n);
        return { type: 'Subquery', expr: this.expr(e!), range: this.duration(range!), step: step ? this.duration(step) : undefined, offset: 0 };
      }
      case 'OffsetExpr': {
        const [e, , dur] = children(n);
        const inner = this.expr(e!);
        const offset = this.offsetDuration(dur!);
        const target = modifiable(inner, n.from);
        if (target.offset !== 0) throw new PromQLError('offset may not be set multiple times', n.from);
        target.offset = offset;
        return inner;
      }
      case 'StepInvariantExpr':
        return this.at(n);
      case 'FunctionCall':
        return this.call(n);
      case 'AggregateExpr':
        return this.aggregate(n);
      case 'BinaryExpr':
        return this.binary(n);
      default:
        throw new PromQLError(`unsupported expression "${this.src(n)}" (${n.name})`, n.from);
    }
  }

  private only(n: SyntaxNode): SyntaxNode {
    const c = children(n);
    if (c.length !== 1) throw new PromQLError(`unexpected "${this.src(n)}"`, n.from);
    return c[0]!;
  }

  private duration(n: SyntaxNode): number {
    const d = parseDurationLiteral(this.src(n), n.from);
    if (d <= 0) throw new PromQLError(`duration must be greater than 0: "${this.src(n)}"`, n.from);
    return d;
  }

  private offsetDuration(n: SyntaxNode): number {
    const text = this.src(n).replace(/\s+/g, '');
    const sign = text.startsWith('-') ? -1 : 1;
    return sign * parseDurationLiteral(text.replace(/^[+-]/, ''), n.from);
  }

  private at(n: SyntaxNode): Expr {
    const [e, , ...rest] = children(n);
    const inner = this.expr(e!);
    let at: AtModifier;
    const first = rest[0]!;
    if (first.name === 'AtModifierPreprocessors') {
      at = { kind: this.src(first).startsWith('start') ? 'start' : 'end' };
    } else {
      const text = rest.map((r) => this.src(r)).join('');
      const seconds = parseNumber(text, first.from);
      if (!Number.isFinite(seconds)) throw new PromQLError(`timestamp out of bounds for @ modifier: ${text}`, first.from);
      at = { kind: 'time', ms: Math.round(seconds * 1000) };
    }
    const target = modifiable(inner, n.from);
    if (target.at) throw new PromQLError('@ <timestamp> may not be set multiple times', n.from);
    target.at = at;
    return inner;
  }

  private vectorSelector(n: SyntaxNode): VectorSelector {
    let name: string | undefined;
    const matchers: Matcher[] = [];
    for (const c of children(n)) {
      if (c.name === 'Identifier') name = this.src(c);
      else if (c.name === 'LabelMatchers') {
        for (const m of children(c)) {
          if (m.name === 'QuotedLabelName') {
            if (name !== undefined) throw new PromQLError('metric name must not be set twice', m.from);
            name = unquote(this.src(m.firstChild!), m.from);
            continue;
          }
          const parts = children(m);
          const labelNode = parts[0]!;
          const label = labelNode.name === 'QuotedLabelName' ? unquote(this.src(labelNode.firstChild!), m.from) : this.src(labelNode);
          const op = MATCH_OPS[parts[1]!.firstChild!.name];
          if (!op) throw new PromQLError(`unknown matcher "${this.src(parts[1]!)}"`, m.from);
          const value = unquote(this.src(parts[2]!), parts[2]!.from);
          if (op === '=~' || op === '!~') {
            try {
              anchoredRegex(value);
            } catch {
              throw new PromQLError(`invalid regular expression in matcher ${label}${op}"${value}"`, m.from);
            }
          }
          matchers.push({ name: label, type: op, value });
        }
      }
    }
    if (name !== undefined) {
      if (matchers.some((m) => m.name === METRIC_NAME)) throw new PromQLError(`metric name must not be set twice: "${name}"`, n.from);
      matchers.unshift({ name: METRIC_NAME, type: '=', value: name });
    }
    if (matchers.length === 0 || matchers.every(matchesEmpty)) {
      throw new PromQLError('vector selector must contain at least one non-empty matcher', n.from);
    }
    return { type: 'VectorSelector', name, matchers, offset: 0 };
  }

  private call(n: SyntaxNode): Expr {
    const [id, body] = children(n);
    const func = this.src(id!);
    const sig = own(FUNCTIONS, func);
    if (!sig) throw new PromQLError(`unknown function with name "${func}"`, n.from);
    const args = children(body!).map((a) => this.expr(a));
    return { type: 'Call', func, args, position: n.from };
  }

  private aggregate(n: SyntaxNode): Expr {
    let op = '';
    let grouping: string[] = [];
    let without = false;
    let args: Expr[] = [];
    for (const c of children(n)) {
      if (c.name === 'AggregateOp') op = this.src(c).toLowerCase();
      else if (c.name === 'AggregateModifier') {
        const [kind, labels] = children(c);
        without = kind!.name === 'Without';
        grouping = labels ? this.groupingLabels(labels) : [];
      } else if (c.name === 'FunctionCallBody') args = children(c).map((a) => this.expr(a));
    }
    const spec = own(AGGREGATIONS, op);
    if (!spec) throw new PromQLError(`unknown aggregation "${op}"`, n.from);
    const wanted = spec.param ? 2 : 1;
    if (args.length !== wanted) throw new PromQLError(`wrong number of arguments for aggregate expression provided, expected ${wanted}, got ${args.length}`, n.from);
    const expr = args[args.length - 1]!;
    return { type: 'Aggregate', op, param: spec.param ? args[0] : undefined, expr, grouping, without };
  }

  private groupingLabels(n: SyntaxNode): string[] {
    return children(n).map((l) => (l.name === 'QuotedLabelName' || l.name === 'StringLiteral' ? unquote(this.src(l.firstChild ?? l)) : this.src(l)));
  }

  private binary(n: SyntaxNode): Expr {
    const parts = children(n);
    const lhs = this.expr(parts[0]!);
    const rhs = this.expr(parts[parts.length - 1]!);
    const op = BINARY_OPS[parts[1]!.name];
    if (!op) throw new PromQLError(`unknown operator "${this.src(parts[1]!)}"`, parts[1]!.from);
    let bool = false;
    let matching: VectorMatching | undefined;
    for (const c of parts.slice(2, -1)) {
      if (c.name === 'BoolModifier') bool = true;
      else if (c.name === 'MatchingModifierClause') matching = this.matching(c);
    }
    const setOp = op === 'and' || op === 'or' || op === 'unless';
    const lt = typeOf(lhs);
    const rt = typeOf(rhs);
    if (lt === 'vector' && rt === 'vector') {
      matching ??= { card: 'one-to-one', on: false, labels: [], include: [] };
      if (setOp) {
        if (matching.card === 'many-to-one' || matching.card === 'one-to-many') {
          throw new PromQLError(`no grouping allowed for "${op}" operation`, n.from);
        }
        matching.card = 'many-to-many';
      }
    } else if (matching) {
      throw new PromQLError('vector matching only allowed between instant vectors', n.from);
    }
    if (bool && !['==', '!=', '>', '<', '>=', '<='].includes(op)) throw new PromQLError('bool modifier can only be used on comparison operators', n.from);
    if (['==', '!=', '>', '<', '>=', '<='].includes(op) && lt === 'scalar' && rt === 'scalar' && !bool) {
      throw new PromQLError('comparisons between scalars must use BOOL modifier', n.from);
    }
    if (setOp && (lt === 'scalar' || rt === 'scalar')) throw new PromQLError(`set operator "${op}" not allowed in binary scalar expression`, n.from);
    if (matching) {
      for (const l of matching.include) {
        if (matching.on && matching.labels.includes(l)) throw new PromQLError(`label "${l}" must not occur in ON and GROUP clause at once`, n.from);
      }
    }
    return { type: 'Binary', op, lhs, rhs, bool, matching };
  }

  private matching(n: SyntaxNode): VectorMatching {
    const m: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [] };
    let afterGroup = false;
    for (const c of children(n)) {
      if (c.name === 'On') m.on = true;
      else if (c.name === 'Ignoring') m.on = false;
      else if (c.name === 'GroupLeft' || c.name === 'GroupRight') {
        m.card = c.name === 'GroupLeft' ? 'many-to-one' : 'one-to-many';
        afterGroup = true;
      } else if (c.name === 'GroupingLabels') {
        if (afterGroup) m.include = this.groupingLabels(c);
        else m.labels = this.groupingLabels(c);
      }
    }
    return m;
  }
}

/**
 * The selector or subquery an `offset` or `@` applies to. The grammar attaches a trailing modifier to the
 * expression before it, so `-x @ 5` and `a + b offset 1m` reach the right-most operand here.
 */
function modifiable(e: Expr, at: number): { offset: number; at?: AtModifier } {
  if (e.type === 'Unary') return modifiable(e.expr, at);
  if (e.type === 'Binary') return modifiable(e.rhs, at);
  if (e.type === 'VectorSelector') return e;
  if (e.type === 'MatrixSelector') return e.selector;
  if (e.type === 'Subquery') return e;
  throw new PromQLError('offset and @ modifiers must follow a selector or a subquery', at);
}

/** The type of an expression, checking every node on the way as Prometheus' parser does. */
export function typeOf(e: Expr): ExprType {
  switch (e.type) {
    case 'NumberLiteral':
      return 'scalar';
    case 'StringLiteral':
      return 'string';
    case 'VectorSelector':
      return 'vector';
    case 'MatrixSelector':
      return 'matrix';
    case 'Subquery':
      if (typeOf(e.expr) !== 'vector') throw new PromQLError(`subquery is only allowed on instant vector, got ${typeOf(e.expr)} instead`);
      return 'matrix';
    case 'Paren':
      return typeOf(e.expr);
    case 'Unary': {
      const t = typeOf(e.expr);
      if (t !== 'scalar' && t !== 'vector') throw new PromQLError(`unary expression only allowed on expressions of type scalar or instant vector, got "${t}"`);
      return t;
    }
    case 'Call': {
      const sig = FUNCTIONS[e.func]!;
      const n = e.args.length;
      const min = sig.variadic ? sig.args.length - 1 : sig.args.length;
      const max = sig.variadic === undefined ? sig.args.length : sig.variadic < 0 ? Infinity : sig.args.length - 1 + sig.variadic;
      if (n < min || n > max) {
        throw new PromQLError(`expected ${min === max ? min : `at least ${min}`} argument(s) in call to "${e.func}", got ${n}`, e.position);
      }
      e.args.forEach((a, i) => {
        const want = sig.args[Math.min(i, sig.args.length - 1)]!;
        const got = typeOf(a);
        if (got !== want) throw new PromQLError(`expected type ${typeName(want)} in call to function "${e.func}", got ${typeName(got)}`, e.position);
      });
      return sig.returns;
    }
    case 'Aggregate': {
      if (typeOf(e.expr) !== 'vector') throw new PromQLError(`expected type instant vector in aggregation expression, got ${typeName(typeOf(e.expr))}`);
      const want = AGGREGATIONS[e.op]!.param;
      if (want && e.param && typeOf(e.param) !== want) throw new PromQLError(`expected type ${typeName(want)} in aggregation parameter, got ${typeName(typeOf(e.param))}`);
      return 'vector';
    }
    case 'Binary': {
      const l = typeOf(e.lhs);
      const r = typeOf(e.rhs);
      for (const t of [l, r]) {
        if (t !== 'scalar' && t !== 'vector') throw new PromQLError(`binary expression must contain only scalar and instant vector types`);
      }
      return l === 'vector' || r === 'vector' ? 'vector' : 'scalar';
    }
  }
}

function typeName(t: ExprType): string {
  return t === 'vector' ? 'instant vector' : t === 'matrix' ? 'range vector' : t;
}
