import type { Expr } from './ast.js';
import type { EvalContext } from './context.js';
import { absentLabels } from './absent.js';
import { average } from './aggregate.js';
import { kahanSumInc, quantile } from './math.js';
import { PromQLError, type Point, type Sample, type Value } from './model.js';

type CallExpr = Expr & { type: 'Call' };

/** What a range function sees of one series: its points, the window (start, end] and the evaluation time. */
interface Window {
  points: Point[];
  start: number;
  end: number;
  range: number;
  t: number;
  params: number[];
}

type RangeFn = (w: Window) => number | undefined;

function extrapolatedRate(w: Window, isCounter: boolean, isRate: boolean): number | undefined {
  const p = w.points;
  if (p.length < 2) return undefined;
  const first = p[0]!;
  const last = p[p.length - 1]!;
  let result = last.v - first.v;
  if (isCounter) {
    let prev = 0;
    for (const s of p) {
      if (s.v < prev) result += prev;
      prev = s.v;
    }
  }
  let durationToStart = (first.t - w.start) / 1000;
  let durationToEnd = (w.end - last.t) / 1000;
  const sampledInterval = (last.t - first.t) / 1000;
  const averageBetween = sampledInterval / (p.length - 1);
  const threshold = averageBetween * 1.1;
  let extrapolateTo = sampledInterval;
  if (durationToStart >= threshold) durationToStart = averageBetween / 2;
  if (isCounter && result > 0 && first.v >= 0) {
    const durationToZero = sampledInterval * (first.v / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  extrapolateTo += durationToStart;
  if (durationToEnd >= threshold) durationToEnd = averageBetween / 2;
  extrapolateTo += durationToEnd;
  let factor = extrapolateTo / sampledInterval;
  if (isRate) factor /= w.range / 1000;
  return result * factor;
}

function instantValue(w: Window, isRate: boolean): number | undefined {
  const p = w.points;
  if (p.length < 2) return undefined;
  const a = p[p.length - 2]!;
  const b = p[p.length - 1]!;
  const interval = b.t - a.t;
  if (interval === 0) return undefined;
  let value = b.v;
  if (!isRate || !(b.v < a.v)) value = b.v - a.v;
  return isRate ? value / (interval / 1000) : value;
}

/** Least squares over the points, x in seconds from `interceptTime`. */
function linearRegression(points: Point[], interceptTime: number): [number, number] {
  let n = 0;
  let sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
  const initY = points[0]!.v;
  let constY = true;
  for (let i = 0; i < points.length; i++) {
    const s = points[i]!;
    if (constY && i > 0 && s.v !== initY) constY = false;
    n++;
    const x = (s.t - interceptTime) / 1000;
    [sumX, cX] = kahanSumInc(x, sumX, cX);
    [sumY, cY] = kahanSumInc(s.v, sumY, cY);
    [sumXY, cXY] = kahanSumInc(x * s.v, sumXY, cXY);
    [sumX2, cX2] = kahanSumInc(x * x, sumX2, cX2);
  }
  if (constY) return Number.isFinite(initY) ? [0, initY] : [Number.NaN, Number.NaN];
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return [slope, sumY / n - (slope * sumX) / n];
}

function sumOf(values: number[]): number {
  let sum = 0;
  let c = 0;
  for (const v of values) [sum, c] = kahanSumInc(v, sum, c);
  return Number.isFinite(sum) ? sum + c : sum;
}

function variance(values: number[]): number {
  let count = 0;
  let mean = 0, cMean = 0, aux = 0, cAux = 0;
  for (const v of values) {
    count++;
    const delta = v - (mean + cMean);
    [mean, cMean] = kahanSumInc(delta / count, mean, cMean);
    [aux, cAux] = kahanSumInc(delta * (v - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

function extreme(points: Point[], better: (cur: number, best: number) => boolean, timestamp: boolean): number {
  let best = points[0]!.v;
  let at = points[0]!.t;
  for (const p of points) {
    if (better(p.v, best)) {
      best = p.v;
      at = p.t;
    }
  }
  return timestamp ? at / 1000 : best;
}

function doubleExponentialSmoothing(w: Window): number | undefined {
  const [sf, tf] = w.params as [number, number];
  if (!(sf > 0 && sf < 1)) throw new PromQLError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf}`);
  if (!(tf > 0 && tf < 1)) throw new PromQLError(`invalid trend factor. Expected: 0 < tf < 1, got: ${tf}`);
  const p = w.points;
  if (p.length < 2) return undefined;
  let s0 = 0;
  let s1 = p[0]!.v;
  let b = p[1]!.v - p[0]!.v;
  for (let i = 1; i < p.length; i++) {
    const x = sf * p[i]!.v;
    b = i - 1 === 0 ? b : tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

const values = (w: Window) => w.points.map((p) => p.v);

const FNS: Record<string, RangeFn> = {
  rate: (w) => extrapolatedRate(w, true, true),
  increase: (w) => extrapolatedRate(w, true, false),
  delta: (w) => extrapolatedRate(w, false, false),
  irate: (w) => instantValue(w, true),
  idelta: (w) => instantValue(w, false),
  deriv: (w) => (w.points.length < 2 ? undefined : linearRegression(w.points, w.points[0]!.t)[0]),
  predict_linear: (w) => {
    if (w.points.length < 2) return undefined;
    const [slope, intercept] = linearRegression(w.points, w.t);
    return slope * w.params[0]! + intercept;
  },
  changes: (w) => {
    let n = 0;
    for (let i = 1; i < w.points.length; i++) {
      const a = w.points[i - 1]!.v;
      const b = w.points[i]!.v;
      if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) n++;
    }
    return n;
  },
  resets: (w) => {
    let n = 0;
    for (let i = 1; i < w.points.length; i++) if (w.points[i]!.v < w.points[i - 1]!.v) n++;
    return n;
  },
  avg_over_time: (w) => average(values(w)),
  sum_over_time: (w) => sumOf(values(w)),
  count_over_time: (w) => w.points.length,
  min_over_time: (w) => extreme(w.points, (c, b) => c < b || Number.isNaN(b), false),
  max_over_time: (w) => extreme(w.points, (c, b) => c > b || Number.isNaN(b), false),
  ts_of_min_over_time: (w) => extreme(w.points, (c, b) => c <= b || Number.isNaN(b), true),
  ts_of_max_over_time: (w) => extreme(w.points, (c, b) => c >= b || Number.isNaN(b), true),
  ts_of_last_over_time: (w) => w.points[w.points.length - 1]!.t / 1000,
  last_over_time: (w) => w.points[w.points.length - 1]!.v,
  present_over_time: () => 1,
  stddev_over_time: (w) => Math.sqrt(variance(values(w))),
  stdvar_over_time: (w) => variance(values(w)),
  quantile_over_time: (w) => quantile(w.params[0]!, values(w)),
  mad_over_time: (w) => {
    const median = quantile(0.5, values(w));
    return quantile(0.5, values(w).map((v) => Math.abs(v - median)));
  },
  double_exponential_smoothing: doubleExponentialSmoothing,
};

/** Each range-vector function, evaluated series by series over its matrix argument. */
export const RANGE_FUNCTIONS: Record<string, (ctx: EvalContext, e: CallExpr, t: number) => Value> = Object.fromEntries(
  [...Object.keys(FNS), 'absent_over_time'].map((name) => [name, (ctx: EvalContext, e: CallExpr, t: number) => callRange(ctx, e, t)]),
);

function callRange(ctx: EvalContext, e: CallExpr, t: number): Value {
  const matrixIndex = e.args.findIndex((a) => unwrap(a).type === 'MatrixSelector' || unwrap(a).type === 'Subquery');
  const matrix = ctx.evaluate(e.args[matrixIndex]!, t);
  if (matrix.kind !== 'matrix') throw new PromQLError(`expected a range vector in call to "${e.func}"`);
  if (e.func === 'absent_over_time') {
    if (matrix.series.length > 0) return { kind: 'vector', samples: [] };
    return { kind: 'vector', samples: [{ metric: absentLabels(e.args[matrixIndex]!), value: 1, t, dropName: false }] };
  }
  const params: number[] = [];
  e.args.forEach((a, i) => {
    if (i === matrixIndex) return;
    const v = ctx.evaluate(a, t);
    if (v.kind !== 'scalar') throw new PromQLError(`expected a scalar argument in call to "${e.func}"`);
    params.push(v.value);
  });
  const fn = FNS[e.func]!;
  const keepName = e.func === 'last_over_time';
  const out: Sample[] = [];
  for (const s of matrix.series) {
    if (s.points.length === 0) continue;
    const value = fn({ points: s.points, start: matrix.end - matrix.range, end: matrix.end, range: matrix.range, t, params });
    if (value === undefined) continue;
    out.push({ metric: s.metric, value, t, dropName: !keepName });
  }
  return { kind: 'vector', samples: out };
}

function unwrap(e: Expr): Expr {
  while (e.type === 'Paren') e = e.expr;
  return e;
}
