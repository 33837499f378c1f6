import type { Expr, VectorMatching } from './ast.js';
import type { EvalContext } from './context.js';
import { dropLabels, keepLabels, labelsKey, METRIC_NAME, PromQLError, type Labels, type Sample, type Value } from './model.js';

type BinaryExpr = Expr & { type: 'Binary' };

const COMPARISONS = new Set(['==', '!=', '>', '<', '>=', '<=']);
/** Arithmetic changes what the number means, so the result loses the metric name at once. */
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '^', 'atan2']);

/** `op` on two numbers; for comparisons, 1 or 0. */
export function scalarOp(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return goMod(a, b);
    case '^':
      return goPow(a, b);
    case 'atan2':
      return Math.atan2(a, b);
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '<':
      return a < b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
  }
  throw new PromQLError(`operator "${op}" not allowed for scalar operations`);
}

/** Go's math.Mod: the result has the sign of the dividend; JS `%` agrees except for the special cases below. */
function goMod(a: number, b: number): number {
  if (b === 0 || !Number.isFinite(a) || Number.isNaN(b)) return Number.NaN;
  return a % b;
}

/** Go's math.Pow differs from JS for 1^NaN and (-1)^±Inf, where Go answers 1. */
function goPow(a: number, b: number): number {
  if (a === 1) return 1;
  if (a === -1 && !Number.isFinite(b) && !Number.isNaN(b)) return 1;
  return a ** b;
}

/** For element pairs: the value, and whether a comparison keeps the element. */
function elementOp(op: string, l: number, r: number): { value: number; keep: boolean } {
  if (COMPARISONS.has(op)) return { value: l, keep: scalarOp(op, l, r) === 1 };
  return { value: scalarOp(op, l, r), keep: true };
}

export function evalBinary(ctx: EvalContext, e: BinaryExpr, t: number): Value {
  const lhs = ctx.evaluate(e.lhs, t);
  const rhs = ctx.evaluate(e.rhs, t);
  if (lhs.kind === 'scalar' && rhs.kind === 'scalar') return { kind: 'scalar', value: scalarOp(e.op, lhs.value, rhs.value) };
  if (lhs.kind === 'vector' && rhs.kind === 'scalar') return { kind: 'vector', samples: vectorScalar(e, lhs.samples, rhs.value, false, t) };
  if (lhs.kind === 'scalar' && rhs.kind === 'vector') return { kind: 'vector', samples: vectorScalar(e, rhs.samples, lhs.value, true, t) };
  if (lhs.kind === 'vector' && rhs.kind === 'vector') {
    const matching = e.matching ?? { card: 'one-to-one', on: false, labels: [], include: [] };
    switch (e.op) {
      case 'and':
        return { kind: 'vector', samples: vectorAnd(lhs.samples, rhs.samples, matching) };
      case 'or':
        return { kind: 'vector', samples: vectorOr(lhs.samples, rhs.samples, matching) };
      case 'unless':
        return { kind: 'vector', samples: vectorUnless(lhs.samples, rhs.samples, matching) };
      default:
        return { kind: 'vector', samples: vectorVector(e, lhs.samples, rhs.samples, matching, t) };
    }
  }
  throw new PromQLError(`binary expression must contain only scalar and instant vector types`);
}

function vectorScalar(e: BinaryExpr, vec: Sample[], scalar: number, swap: boolean, t: number): Sample[] {
  const out: Sample[] = [];
  for (const s of vec) {
    const [l, r] = swap ? [scalar, s.value] : [s.value, scalar];
    let { value, keep } = elementOp(e.op, l, r);
    // A comparison keeps the vector's value even when the scalar is on the left.
    if (COMPARISONS.has(e.op) && swap) value = r;
    if (e.bool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    out.push({ metric: ARITHMETIC.has(e.op) ? dropLabels(s.metric, [METRIC_NAME]) : s.metric, value, t, dropName: s.dropName || e.bool });
  }
  return out;
}

/** The function that gives each sample its matching signature under `on(...)` or `ignoring(...)`. */
function signatureOf(m: VectorMatching): (labels: Labels) => string {
  return m.on ? (l) => labelsKey(keepLabels(l, m.labels)) : (l) => labelsKey(dropLabels(l, [METRIC_NAME, ...m.labels]));
}

function vectorAnd(lhs: Sample[], rhs: Sample[], m: VectorMatching): Sample[] {
  if (lhs.length === 0 || rhs.length === 0) return [];
  const sig = signatureOf(m);
  const right = new Set(rhs.map((s) => sig(s.metric)));
  return lhs.filter((s) => right.has(sig(s.metric)));
}

function vectorOr(lhs: Sample[], rhs: Sample[], m: VectorMatching): Sample[] {
  if (lhs.length === 0) return rhs;
  if (rhs.length === 0) return lhs;
  const sig = signatureOf(m);
  const left = new Set(lhs.map((s) => sig(s.metric)));
  return [...lhs, ...rhs.filter((s) => !left.has(sig(s.metric)))];
}

function vectorUnless(lhs: Sample[], rhs: Sample[], m: VectorMatching): Sample[] {
  if (lhs.length === 0 || rhs.length === 0) return lhs;
  const sig = signatureOf(m);
  const right = new Set(rhs.map((s) => sig(s.metric)));
  return lhs.filter((s) => !right.has(sig(s.metric)));
}

function vectorVector(e: BinaryExpr, lhsIn: Sample[], rhsIn: Sample[], m: VectorMatching, t: number): Sample[] {
  if (lhsIn.length === 0 || rhsIn.length === 0) return [];
  const swapped = m.card === 'one-to-many';
  const [lhs, rhs] = swapped ? [rhsIn, lhsIn] : [lhsIn, rhsIn];
  const sig = signatureOf(m);
  const right = new Map<string, Sample>();
  for (const rs of rhs) {
    const key = sig(rs.metric);
    const dup = right.get(key);
    if (dup) {
      const side = swapped ? 'left' : 'right';
      throw new PromQLError(
        `found duplicate series for the match group on the ${side} hand-side of the operation: [${JSON.stringify(rs.metric)}, ${JSON.stringify(dup.metric)}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    right.set(key, rs);
  }
  const matched = new Map<string, Set<string> | null>();
  const out: Sample[] = [];
  for (const ls of lhs) {
    const key = sig(ls.metric);
    const rs = right.get(key);
    if (!rs) continue;
    const [l, r] = swapped ? [rs.value, ls.value] : [ls.value, rs.value];
    const op = elementOp(e.op, l, r);
    const keep = op.keep;
    let value = op.value;
    if (e.bool) {
      value = keep ? 1 : 0;
    } else if (!keep) continue;
    const metric = resultMetric(ls.metric, rs.metric, e.op, m);
    if (m.card === 'one-to-one') {
      if (matched.has(key)) throw new PromQLError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      matched.set(key, null);
    } else {
      const inserted = matched.get(key) ?? new Set<string>();
      const mk = labelsKey(metric);
      if (inserted.has(mk)) throw new PromQLError('multiple matches for labels: grouping labels must ensure unique matches');
      inserted.add(mk);
      matched.set(key, inserted);
    }
    out.push({ metric, value, t, dropName: e.bool });
  }
  return out;
}

/** The label set of a result element: the "many" side's labels, narrowed and extended as the matching says. */
function resultMetric(lhs: Labels, rhs: Labels, op: string, m: VectorMatching): Labels {
  let out: Record<string, string> = { ...lhs };
  if (ARITHMETIC.has(op)) delete out[METRIC_NAME];
  if (m.card === 'one-to-one') out = m.on ? keepLabels(out, m.labels) : dropLabels(out, m.labels);
  for (const name of m.include) {
    const v = rhs[name];
    if (v) out[name] = v;
    else delete out[name];
  }
  return out;
}
