import type { AtModifier, Expr, VectorSelector } from './ast.js';
import { evalAggregate } from './aggregate.js';
import { evalBinary } from './binary.js';
import type { EvalContext } from './context.js';
import { callFunction } from './functions.js';
import { dropLabels, labelsKey, METRIC_NAME, PromQLError, type Labels, type Sample, type Series, type Value } from './model.js';
import { parseExpr } from './parse.js';
import type { SeriesSource } from './storage.js';

export interface EngineOptions {
  /** How far back an instant selector looks for a sample (Prometheus' default: 5 minutes). */
  lookbackDelta?: number;
  /** The step of a subquery written without one (`[1h:]`); Prometheus uses the global evaluation interval. */
  subqueryStep?: number;
}


/** An instant query's result: a scalar, a string, a vector or (for a range selector) a matrix. */
export type InstantResult = Value;

/** A range query's result: one series per label set, a point per step where it had a value. */
export interface RangeResult {
  series: Series[];
}

export class Engine {
  private readonly lookbackDelta: number;
  private readonly subqueryStep: number;

  constructor(
    private readonly source: SeriesSource,
    options: EngineOptions = {},
  ) {
    this.lookbackDelta = options.lookbackDelta ?? 5 * 60_000;
    this.subqueryStep = options.subqueryStep ?? 60_000;
  }

  /** Evaluates `query` (text or a parsed tree) at instant `t` (ms). */
  instant(query: string | Expr, t: number): InstantResult {
    const expr = typeof query === 'string' ? parseExpr(query) : query;
    const ctx = this.context(t, t);
    const v = evaluate(ctx, expr, t);
    if (v.kind === 'vector') return { kind: 'vector', samples: finishVector(v.samples) };
    if (v.kind === 'matrix') return { ...v, series: finishSeries(v.series) };
    return v;
  }

  /** Evaluates `query` at every step from `start` to `end` (ms, inclusive). */
  range(query: string | Expr, start: number, end: number, step: number): RangeResult {
    const expr = typeof query === 'string' ? parseExpr(query) : query;
    if (step <= 0) throw new PromQLError('zero or negative query resolution step widths are not accepted');
    const ctx = this.context(start, end);
    const byKey = new Map<string, Series>();
    for (let t = start; t <= end; t += step) {
      const v = evaluate(ctx, expr, t);
      if (v.kind === 'scalar') add(byKey, { metric: {}, value: v.value, t, dropName: false }, t);
      else if (v.kind === 'vector') for (const s of v.samples) add(byKey, s, t);
      else throw new PromQLError(`invalid expression type "${v.kind === 'matrix' ? 'range vector' : v.kind}" for range query, must be Scalar or instant Vector`);
    }
    return { series: finishSeries([...byKey.values()]) };
  }

  private context(start: number, end: number): EvalContext {
    const ctx: EvalContext = {
      source: this.source,
      lookbackDelta: this.lookbackDelta,
      subqueryStep: this.subqueryStep,
      start,
      end,
      evaluate: (e, t) => evaluate(ctx, e, t),
    };
    return ctx;
  }
}

function add(byKey: Map<string, Series>, s: Sample, t: number): void {
  const key = `${s.dropName ? 1 : 0}${labelsKey(s.metric)}`;
  let series = byKey.get(key);
  if (!series) byKey.set(key, (series = { metric: s.metric, points: [], dropName: s.dropName }));
  series.points.push({ t, v: s.value });
}

/** Drops the names that were to be dropped, and refuses two samples (or series) with one label set. */
function finish<T extends { metric: Labels; dropName: boolean }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.map((s) => {
    const metric = s.dropName ? dropLabels(s.metric, [METRIC_NAME]) : s.metric;
    const key = labelsKey(metric);
    if (seen.has(key)) throw new PromQLError('vector cannot contain metrics with the same labelset');
    seen.add(key);
    return { ...s, metric, dropName: false };
  });
}

export const finishVector = (samples: Sample[]): Sample[] => finish(samples);
const finishSeries = (series: Series[]): Series[] => finish(series);

/** The time a selector or subquery reads at, for evaluation time `t`. */
function referenceTime(ctx: EvalContext, t: number, offset: number, at: AtModifier | undefined): number {
  const base = !at ? t : at.kind === 'time' ? at.ms : at.kind === 'start' ? ctx.start : ctx.end;
  return base - offset;
}

/** Evaluates `e` at time `t` (ms). */
export function evaluate(ctx: EvalContext, e: Expr, t: number): Value {
  switch (e.type) {
    case 'NumberLiteral':
      return { kind: 'scalar', value: e.value };
    case 'StringLiteral':
      return { kind: 'string', value: e.value };
    case 'Paren':
      return evaluate(ctx, e.expr, t);
    case 'Unary': {
      const v = evaluate(ctx, e.expr, t);
      if (e.op === '+') return v;
      if (v.kind === 'scalar') return { kind: 'scalar', value: -v.value };
      if (v.kind === 'vector') return { kind: 'vector', samples: v.samples.map((s) => ({ metric: s.metric, value: -s.value, t, dropName: true })) };
      throw new PromQLError('unary minus only applies to scalars and instant vectors');
    }
    case 'VectorSelector':
      return { kind: 'vector', samples: selectInstant(ctx, e, t) };
    case 'MatrixSelector':
      return selectRange(ctx, e.selector, e.range, t);
    case 'Subquery':
      return subquery(ctx, e, t);
    case 'Call':
      return callFunction(ctx, e, t);
    case 'Aggregate':
      return evalAggregate(ctx, e, t);
    case 'Binary':
      return evalBinary(ctx, e, t);
  }
}

function selectInstant(ctx: EvalContext, sel: VectorSelector, t: number): Sample[] {
  const ref = referenceTime(ctx, t, sel.offset, sel.at);
  const out: Sample[] = [];
  for (const s of ctx.source.select(sel.matchers, ref - ctx.lookbackDelta, ref)) {
    const last = s.samples[s.samples.length - 1];
    if (!last || last.stale) continue;
    out.push({ metric: s.labels, value: last.v, t: last.t, dropName: false });
  }
  return out;
}

function selectRange(ctx: EvalContext, sel: VectorSelector, range: number, t: number): Value & { kind: 'matrix' } {
  const end = referenceTime(ctx, t, sel.offset, sel.at);
  const series: Series[] = [];
  for (const s of ctx.source.select(sel.matchers, end - range, end)) {
    const points = [];
    for (const p of s.samples) if (!p.stale) points.push({ t: p.t, v: p.v });
    if (points.length > 0) series.push({ metric: s.labels, points, dropName: false });
  }
  return { kind: 'matrix', series, range, end };
}

function subquery(ctx: EvalContext, e: Expr & { type: 'Subquery' }, t: number): Value & { kind: 'matrix' } {
  const end = referenceTime(ctx, t, e.offset, e.at);
  const step = e.step ?? ctx.subqueryStep;
  const byKey = new Map<string, Series>();
  for (let ts = (Math.floor((end - e.range) / step) + 1) * step; ts <= end; ts += step) {
    const v = evaluate(ctx, e.expr, ts);
    if (v.kind !== 'vector') throw new PromQLError('subquery is only allowed on instant vector');
    for (const s of finishVector(v.samples)) {
      const key = labelsKey(s.metric);
      let series = byKey.get(key);
      if (!series) byKey.set(key, (series = { metric: s.metric, points: [], dropName: false }));
      series.points.push({ t: ts, v: s.value });
    }
  }
  return { kind: 'matrix', series: [...byKey.values()], range: e.range, end };
}
