import { compilePattern, type Pattern } from '../../lib/pattern.js';
import { formatDuration } from '../../lib/duration.js';
import { maskWritten } from '../../lib/secrets.js';
import type { Placeholders } from '../types.js';
import type { PathSegment } from './tokenize.js';
import type { ConditionNode, ParsedCondition } from './parse.js';
import { Literal } from './literal.js';

const MISSING = Symbol('missing');
type Resolved = unknown;

/**
 * Values seen by one evaluation. `[BODY]` and `[STDOUT]` arrive as text; a path into them parses
 * the JSON once per observation, however many conditions read it.
 */
export class ConditionScope {
  private parsed = new Map<string, unknown>();
  constructor(readonly values: Placeholders) {}

  read(name: string, path: PathSegment[]): Resolved {
    if (!(name in this.values)) return MISSING;
    let v: unknown = this.values[name];
    if (path.length === 0) return v;
    if (typeof v === 'string') {
      if (!this.parsed.has(name)) {
        let doc: unknown = MISSING;
        try {
          doc = JSON.parse(v);
        } catch {
          // not JSON: every path into it is missing
        }
        this.parsed.set(name, doc);
      }
      v = this.parsed.get(name);
    }
    return readPath(v, path);
  }
}

/** Follows `.key` / `[index]` segments; MISSING when any step is absent. */
export function readPath(value: unknown, path: PathSegment[]): unknown {
  let v = value;
  for (const seg of path) {
    if (v === MISSING || v === null || typeof v !== 'object') return MISSING;
    if ('index' in seg) {
      if (!Array.isArray(v) || seg.index >= v.length) return MISSING;
      v = v[seg.index];
    } else {
      if (!Object.prototype.hasOwnProperty.call(v, seg.key)) return MISSING;
      v = (v as Record<string, unknown>)[seg.key];
    }
  }
  return v;
}

export interface ConditionVerdict {
  ok: boolean;
  /** What the condition's left-hand sides were, e.g. `503` or `239h59m`. */
  actual: string;
}

/**
 * Evaluates one condition. `secrets` (a check's credentials, longest first) are masked in what
 * `actual` shows, before it is shortened: a target that echoes them back is recorded without them.
 */
export function evaluateCondition(cond: ParsedCondition, scope: ConditionScope, secrets: readonly string[] = []): ConditionVerdict {
  const actuals: string[] = [];
  const ok = truth(cond.ast, scope, actuals, secrets);
  return { ok, actual: actuals.join(', ') };
}

function truth(node: ConditionNode, scope: ConditionScope, actuals: string[], secrets: readonly string[]): boolean {
  switch (node.type) {
    case 'and':
      return truth(node.left, scope, actuals, secrets) && truth(node.right, scope, actuals, secrets);
    case 'or':
      return truth(node.left, scope, actuals, secrets) || truth(node.right, scope, actuals, secrets);
    case 'not':
      return !truth(node.operand, scope, actuals, secrets);
    case 'compare': {
      const left = value(node.left, scope);
      const hint = node.right.type === 'literal' ? node.right.literal.unit : undefined;
      actuals.push(render(left, hint, secrets));
      if (left === MISSING) return false;
      if (node.right.type === 'call' && node.right.fn === 'pat') {
        const pattern = literalText(node.right.args[0]!);
        const hit = globToRegExp(pattern).test(asText(left));
        return node.op === '==' ? hit : !hit;
      }
      if (node.right.type === 'call' && node.right.fn === 'any') {
        const hit = node.right.args.some((a) => equal(left, value(a, scope)));
        return node.op === '==' ? hit : !hit;
      }
      const right = value(node.right, scope);
      if (right === MISSING) return false;
      return compare(node.op, left, right);
    }
    default: {
      const v = value(node, scope);
      actuals.push(render(v, undefined, secrets));
      return v === true || v === 'true';
    }
  }
}

function value(node: ConditionNode, scope: ConditionScope): Resolved {
  switch (node.type) {
    case 'placeholder':
      return scope.read(node.name, node.path);
    case 'literal':
      return node.literal;
    case 'call': {
      const arg = node.args[0]!;
      if (node.fn === 'has') return arg.type === 'placeholder' && scope.read(arg.name, arg.path) !== MISSING;
      if (node.fn === 'len') {
        const v = value(arg, scope);
        if (typeof v === 'string') return v.length;
        if (Array.isArray(v)) return v.length;
        if (v !== null && typeof v === 'object') return Object.keys(v).length;
        return MISSING;
      }
      return MISSING;
    }
    default:
      return truth(node, scope, [], []);
  }
}

function isLiteral(v: unknown): v is Literal {
  return v instanceof Literal;
}

function literalText(node: ConditionNode): string {
  return node.type === 'literal' ? node.literal.text : '';
}

function asNumber(v: unknown): number | undefined {
  if (isLiteral(v)) return v.number;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function asText(v: unknown): string {
  if (isLiteral(v)) return v.text;
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return String(v);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function asBoolean(v: unknown): boolean | undefined {
  if (isLiteral(v)) return v.boolean;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  return undefined;
}

function equal(a: unknown, b: unknown): boolean {
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  const ba = asBoolean(a);
  const bb = asBoolean(b);
  if (ba !== undefined && bb !== undefined) return ba === bb;
  return asText(a) === asText(b);
}

function compare(op: string, a: unknown, b: unknown): boolean {
  if (op === '==') return equal(a, b);
  if (op === '!=') return !equal(a, b);
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na === undefined || nb === undefined) return false;
  switch (op) {
    case '<':
      return na < nb;
    case '<=':
      return na <= nb;
    case '>':
      return na > nb;
    default:
      return na >= nb;
  }
}

/** Gatus' pat(): `*` any run of characters, everything else literal, whole-string match. */
function globToRegExp(pattern: string): Pattern {
  // RE2 (linear time): `*a*a*…*c` against a long body would backtrack polynomially in a RegExp.
  const body = pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\*]/g, '\\$&')).join('.*');
  return compilePattern(body, { anchored: true, dotAll: true });
}

const SHOWN = 120;
/** How far past what is shown a credential the observed text writes (a URL's token, a password) is looked for. */
const WRITTEN_MARGIN = 256;

function render(v: unknown, hint: Literal['unit'], secrets: readonly string[]): string {
  if (v === MISSING) return '(missing)';
  const n = typeof v === 'number' ? v : undefined;
  if (n !== undefined && hint === 'duration') return formatDuration(Math.round(n));
  if (n !== undefined && hint === 'percent') return `${Number((n * 100).toFixed(2))}%`;
  let text = asText(v);
  // Masked on what is shown and a margin past it (the longest secret, secrets come longest first;
  // a URL's length for credentials the text writes itself): a secret across the cut is masked
  // whole, and a large body is not searched to its end.
  const margin = Math.max(secrets[0]?.length ?? 0, WRITTEN_MARGIN);
  text = maskWritten(text.slice(0, SHOWN + margin), secrets) + (text.length > SHOWN + margin ? '...' : '');
  return text.length > SHOWN ? `${text.slice(0, SHOWN - 3)}...` : text;
}
