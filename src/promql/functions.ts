import type { Expr } from './ast.js';
import type { EvalContext } from './context.js';
import { anchoredRegex } from './matchers.js';
import { dropLabels, labelsKey, labelValue, METRIC_NAME, PromQLError, type Labels, type Sample, type Value } from './model.js';
import { absentLabels } from './absent.js';
import { RANGE_FUNCTIONS } from './range-functions.js';
import { compareFloats } from './math.js';
import { bucketQuantile } from './histogram.js';

type CallExpr = Expr & { type: 'Call' };

const vector = (samples: Sample[]): Value => ({ kind: 'vector', samples });

function scalarArg(ctx: EvalContext, e: Expr, t: number): number {
  const v = ctx.evaluate(e, t);
  if (v.kind !== 'scalar') throw new PromQLError('expected a scalar argument');
  return v.value;
}

function vectorArg(ctx: EvalContext, e: Expr, t: number): Sample[] {
  const v = ctx.evaluate(e, t);
  if (v.kind !== 'vector') throw new PromQLError('expected an instant vector argument');
  return v.samples;
}

function stringArg(e: Expr): string {
  while (e.type === 'Paren') e = e.expr;
  if (e.type !== 'StringLiteral') throw new PromQLError('expected a string literal argument');
  return e.value;
}

/** Applies `f` to every sample's value; the result loses its metric name. */
function mapValues(samples: Sample[], t: number, f: (v: number) => number): Sample[] {
  return samples.map((s) => ({ metric: s.metric, value: f(s.value), t, dropName: true }));
}

const MATH: Record<string, (v: number) => number> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  deg: (v) => (v * 180) / Math.PI,
  rad: (v) => (v * Math.PI) / 180,
  sgn: (v) => (v < 0 ? -1 : v > 0 ? 1 : v),
};

const DATE: Record<string, (d: Date) => number> = {
  day_of_month: (d) => d.getUTCDate(),
  day_of_week: (d) => d.getUTCDay(),
  day_of_year: (d) => Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1,
  days_in_month: (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate(),
  hour: (d) => d.getUTCHours(),
  minute: (d) => d.getUTCMinutes(),
  month: (d) => d.getUTCMonth() + 1,
  year: (d) => d.getUTCFullYear(),
};

export function callFunction(ctx: EvalContext, e: CallExpr, t: number): Value {
  const { func, args } = e;
  const range = RANGE_FUNCTIONS[func];
  if (range) return range(ctx, e, t);
  const math = MATH[func];
  if (math) return vector(mapValues(vectorArg(ctx, args[0]!, t), t, math));
  const date = DATE[func];
  if (date) {
    if (args.length === 0) return vector([{ metric: {}, value: date(new Date(Math.trunc(t / 1000) * 1000)), t, dropName: false }]);
    return vector(mapValues(vectorArg(ctx, args[0]!, t), t, (v) => (Number.isFinite(v) ? date(new Date(Math.trunc(v) * 1000)) : Number.NaN)));
  }
  switch (func) {
    case 'time':
      return { kind: 'scalar', value: t / 1000 };
    case 'pi':
      return { kind: 'scalar', value: Math.PI };
    case 'vector':
      return vector([{ metric: {}, value: scalarArg(ctx, args[0]!, t), t, dropName: false }]);
    case 'scalar': {
      const samples = vectorArg(ctx, args[0]!, t);
      return { kind: 'scalar', value: samples.length === 1 ? samples[0]!.value : Number.NaN };
    }
    case 'round': {
      const to = args[1] ? scalarArg(ctx, args[1], t) : 1;
      const inv = 1 / to;
      return vector(mapValues(vectorArg(ctx, args[0]!, t), t, (v) => Math.floor(v * inv + 0.5) / inv));
    }
    case 'clamp':
    case 'clamp_min':
    case 'clamp_max': {
      const samples = vectorArg(ctx, args[0]!, t);
      const min = func === 'clamp_max' ? -Infinity : scalarArg(ctx, args[1]!, t);
      const max = func === 'clamp' ? scalarArg(ctx, args[2]!, t) : func === 'clamp_max' ? scalarArg(ctx, args[1]!, t) : Infinity;
      if (max < min) return vector([]);
      return vector(mapValues(samples, t, (v) => (Number.isNaN(v) ? v : Math.max(min, Math.min(max, v)))));
    }
    case 'timestamp':
      return vector(vectorArg(ctx, args[0]!, t).map((s) => ({ metric: s.metric, value: s.t / 1000, t, dropName: true })));
    case 'absent': {
      if (vectorArg(ctx, args[0]!, t).length > 0) return vector([]);
      return vector([{ metric: absentLabels(args[0]!), value: 1, t, dropName: false }]);
    }
    case 'sort':
    case 'sort_desc': {
      const sign = func === 'sort' ? 1 : -1;
      return vector([...vectorArg(ctx, args[0]!, t)].sort((a, b) => sortByValue(a.value, b.value, sign)));
    }
    case 'sort_by_label':
    case 'sort_by_label_desc':
      return vector(sortByLabel(vectorArg(ctx, args[0]!, t), args.slice(1).map(stringArg), func === 'sort_by_label' ? 1 : -1));
    case 'histogram_quantile':
      return vector(histogramQuantile(scalarArg(ctx, args[0]!, t), vectorArg(ctx, args[1]!, t), t));
    case 'label_replace':
      return vector(labelReplace(vectorArg(ctx, args[0]!, t), args.slice(1).map(stringArg)));
    case 'label_join':
      return vector(labelJoin(vectorArg(ctx, args[0]!, t), args.slice(1).map(stringArg)));
  }
  throw new PromQLError(`function "${func}" is not supported by opsbook's evaluator`);
}

/** sort: ascending, NaN last; sort_desc: descending, NaN last. */
function sortByValue(a: number, b: number, sign: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return sign * compareFloats(a, b);
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function noDuplicates(samples: Sample[]): Sample[] {
  const seen = new Set<string>();
  for (const s of samples) {
    const key = labelsKey(s.metric);
    if (seen.has(key)) throw new PromQLError('vector cannot contain metrics with the same labelset');
    seen.add(key);
  }
  return samples;
}

function setLabel(metric: Labels, name: string, value: string): Labels {
  const out: Record<string, string> = { ...metric };
  if (value === '') delete out[name];
  else out[name] = value;
  return out;
}

function labelReplace(samples: Sample[], [dst, repl, src, regex]: string[]): Sample[] {
  let re: RegExp;
  try {
    re = anchoredRegex(regex!);
  } catch {
    throw new PromQLError(`invalid regular expression in label_replace(): ${regex}`);
  }
  if (!LABEL_NAME.test(dst!)) throw new PromQLError(`invalid destination label name in label_replace(): ${dst}`);
  return noDuplicates(
    samples.map((s) => {
      const m = re.exec(labelValue(s.metric, src!));
      if (!m) return s;
      const value = expandTemplate(repl!, m);
      return { ...s, metric: setLabel(s.metric, dst!, value), dropName: dst === METRIC_NAME ? false : s.dropName };
    }),
  );
}

/** Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function expandTemplate(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([^}]*)\}|([a-zA-Z0-9_]+))/g, (whole, what: string, braced?: string, bare?: string) => {
    if (what === '$') return '$';
    const name = braced ?? bare ?? '';
    if (/^\d+$/.test(name)) return m[Number(name)] ?? '';
    return m.groups?.[name] ?? '';
  });
}

function labelJoin(samples: Sample[], [dst, sep, ...src]: string[]): Sample[] {
  for (const s of src) if (!LABEL_NAME.test(s)) throw new PromQLError(`invalid source label name in label_join(): ${s}`);
  if (!LABEL_NAME.test(dst!)) throw new PromQLError(`invalid destination label name in label_join(): ${dst}`);
  return noDuplicates(
    samples.map((s) => ({
      ...s,
      metric: setLabel(s.metric, dst!, src.map((l) => labelValue(s.metric, l)).join(sep)),
      dropName: dst === METRIC_NAME ? false : s.dropName,
    })),
  );
}

function sortByLabel(samples: Sample[], labels: string[], sign: number): Sample[] {
  return [...samples].sort((a, b) => {
    for (const l of labels) {
      const x = labelValue(a.metric, l);
      const y = labelValue(b.metric, l);
      if (x === y) continue;
      return sign * naturalCompare(x, y);
    }
    return sign * compareLabelSets(a.metric, b.metric);
  });
}

/** Natural order: runs of digits compare as numbers. */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+|\D+)/g;
  const xa = a.match(re) ?? [];
  const xb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(xa.length, xb.length); i++) {
    const p = xa[i]!;
    const q = xb[i]!;
    if (p === q) continue;
    if (/^\d/.test(p) && /^\d/.test(q)) {
      const d = Number(p) - Number(q);
      if (d !== 0) return d;
    }
    return p < q ? -1 : 1;
  }
  return xa.length - xb.length;
}

function compareLabelSets(a: Labels, b: Labels): number {
  const ka = labelsKey(a);
  const kb = labelsKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function histogramQuantile(q: number, samples: Sample[], t: number): Sample[] {
  const groups = new Map<string, { metric: Labels; buckets: { upper: number; count: number }[] }>();
  for (const s of samples) {
    const le = s.metric.le;
    if (le === undefined) continue;
    const upper = parseBucketBound(le);
    if (upper === undefined) continue;
    const key = labelsKey(dropLabels(s.metric, ['le']));
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { metric: dropLabels(s.metric, ['le', METRIC_NAME]), buckets: [] }));
    g.buckets.push({ upper, count: s.value });
  }
  return [...groups.values()].map((g) => ({ metric: g.metric, value: bucketQuantile(q, g.buckets), t, dropName: true }));
}

function parseBucketBound(text: string): number | undefined {
  const l = text.trim().toLowerCase();
  if (l === '+inf' || l === 'inf') return Infinity;
  if (l === '-inf') return -Infinity;
  if (l === 'nan') return Number.NaN;
  const n = Number(text);
  return Number.isNaN(n) || text.trim() === '' ? undefined : n;
}
