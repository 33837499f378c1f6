import type { Expr } from './ast.js';
import type { EvalContext } from './context.js';
import { kahanSumInc, quantile } from './math.js';
import { dropLabels, keepLabels, labelsKey, METRIC_NAME, PromQLError, type Labels, type Sample, type Value } from './model.js';

type AggregateExpr = Expr & { type: 'Aggregate' };

interface Group {
  labels: Labels;
  samples: Sample[];
}

/** The grouping labels of a sample: `by` keeps the named labels, `without` drops them and the name. */
function groupLabels(e: AggregateExpr, metric: Labels): Record<string, string> {
  return e.without ? dropLabels(metric, [METRIC_NAME, ...e.grouping]) : keepLabels(metric, e.grouping);
}

function groupsOf(e: AggregateExpr, samples: Sample[]): Group[] {
  const groups = new Map<string, Group>();
  for (const s of samples) {
    const labels = groupLabels(e, s.metric);
    const key = labelsKey(labels);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels, samples: [] }));
    g.samples.push(s);
  }
  return [...groups.values()];
}

function scalarParam(ctx: EvalContext, e: AggregateExpr, t: number): number {
  const v = ctx.evaluate(e.param!, t);
  if (v.kind !== 'scalar') throw new PromQLError(`expected a scalar parameter for ${e.op}`);
  return v.value;
}

export function evalAggregate(ctx: EvalContext, e: AggregateExpr, t: number): Value {
  const input = ctx.evaluate(e.expr, t);
  if (input.kind !== 'vector') throw new PromQLError(`expected an instant vector in ${e.op}`);
  const samples = input.samples;
  switch (e.op) {
    case 'topk':
    case 'bottomk':
    case 'limitk':
      return { kind: 'vector', samples: selectK(e, samples, scalarParam(ctx, e, t)) };
    case 'count_values':
      return { kind: 'vector', samples: countValues(ctx, e, samples, t) };
  }
  const q = e.op === 'quantile' ? scalarParam(ctx, e, t) : 0;
  const keepsName = !e.without && e.grouping.includes(METRIC_NAME);
  const out: Sample[] = [];
  for (const g of groupsOf(e, samples)) {
    const values = g.samples.map((s) => s.value);
    out.push({ metric: g.labels, value: aggregateValues(e.op, values, q), t, dropName: keepsName && g.samples.some((s) => s.dropName) });
  }
  return { kind: 'vector', samples: out };
}

function aggregateValues(op: string, values: number[], q: number): number {
  switch (op) {
    case 'sum': {
      let sum = 0;
      let c = 0;
      for (const v of values) [sum, c] = kahanSumInc(v, sum, c);
      return Number.isFinite(sum) ? sum + c : sum;
    }
    case 'avg':
      return average(values);
    case 'count':
      return values.length;
    case 'group':
      return 1;
    case 'min':
      return values.reduce((m, v) => (m > v || Number.isNaN(m) ? v : m));
    case 'max':
      return values.reduce((m, v) => (m < v || Number.isNaN(m) ? v : m));
    case 'stddev':
    case 'stdvar': {
      const first = values[0]!;
      if (Number.isNaN(first) || !Number.isFinite(first)) return Number.NaN;
      let count = 0;
      let mean = 0;
      let m2 = 0;
      for (const v of values) {
        count++;
        const delta = v - mean;
        mean += delta / count;
        m2 += delta * (v - mean);
      }
      return op === 'stdvar' ? m2 / count : Math.sqrt(m2 / count);
    }
    case 'quantile':
      return quantile(q, values);
  }
  throw new PromQLError(`unknown aggregation "${op}"`);
}

/** Prometheus' average: a Kahan sum while it stays finite, an incremental mean once it would overflow. */
export function average(values: number[]): number {
  let sum = values[0]!;
  let c = 0;
  let mean = 0;
  let incremental = false;
  for (let i = 1; i < values.length; i++) {
    const count = i + 1;
    const v = values[i]!;
    if (!incremental) {
      const [s, nc] = kahanSumInc(v, sum, c);
      if (Number.isFinite(s) || Number.isNaN(s)) {
        sum = s;
        c = nc;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    [mean, c] = kahanSumInc(v / count, q * mean, q * c);
  }
  if (incremental) return mean + c;
  return sum / values.length + c / values.length;
}

function selectK(e: AggregateExpr, samples: Sample[], param: number): Sample[] {
  if (Number.isNaN(param) || Math.abs(param) >= 2 ** 63) throw new PromQLError(`Scalar value ${param} overflows int64`);
  const k = Math.trunc(param);
  if (k < 1) return [];
  const out: Sample[] = [];
  for (const g of groupsOf(e, samples)) {
    if (e.op === 'limitk') {
      out.push(...g.samples.slice(0, k));
      continue;
    }
    const sign = e.op === 'topk' ? -1 : 1;
    // NaN sorts last in both directions, as Prometheus' heaps keep it.
    const sorted = [...g.samples].sort((a, b) => {
      if (Number.isNaN(a.value)) return Number.isNaN(b.value) ? 0 : 1;
      if (Number.isNaN(b.value)) return -1;
      return sign * (a.value - b.value);
    });
    out.push(...sorted.slice(0, k));
  }
  return out;
}

function countValues(ctx: EvalContext, e: AggregateExpr, samples: Sample[], t: number): Sample[] {
  const label = ctx.evaluate(e.param!, t);
  if (label.kind !== 'string') throw new PromQLError('count_values needs a string parameter');
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label.value)) throw new PromQLError(`invalid label name "${label.value}"`);
  const counts = new Map<string, Sample>();
  for (const s of samples) {
    const labels = { ...groupLabels(e, s.metric), [label.value]: formatValue(s.value) };
    const key = labelsKey(labels);
    const c = counts.get(key);
    if (c) c.value++;
    else counts.set(key, { metric: labels, value: 1, t, dropName: false });
  }
  return [...counts.values()];
}

/** A value as Go's strconv.FormatFloat(v, 'f', -1, 64) writes it. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  if (!/e/i.test(s)) return s;
  return v.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}
