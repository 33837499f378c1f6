import type { ExprType } from './ast.js';

/** A function's argument types and result; `variadic` optional trailing arguments of the last type (-1: any number). */
export interface FunctionSignature {
  args: ExprType[];
  variadic?: number;
  returns: ExprType;
}

const v = 'vector' as const;
const m = 'matrix' as const;
const s = 'scalar' as const;
const str = 'string' as const;

const overTime = ['avg', 'min', 'max', 'sum', 'count', 'stddev', 'stdvar', 'last', 'present', 'absent', 'mad'];

export const FUNCTIONS: Record<string, FunctionSignature> = {
  ...Object.fromEntries(overTime.map((f) => [`${f}_over_time`, { args: [m], returns: v }])),
  quantile_over_time: { args: [s, m], returns: v },
  ts_of_last_over_time: { args: [m], returns: v },
  ts_of_max_over_time: { args: [m], returns: v },
  ts_of_min_over_time: { args: [m], returns: v },
  ...Object.fromEntries(
    ['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'changes', 'resets'].map((f) => [f, { args: [m], returns: v }]),
  ),
  predict_linear: { args: [m, s], returns: v },
  double_exponential_smoothing: { args: [m, s, s], returns: v },
  ...Object.fromEntries(
    ['abs', 'ceil', 'floor', 'exp', 'sqrt', 'ln', 'log2', 'log10', 'sgn', 'timestamp', 'absent', 'sort', 'sort_desc',
      'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh', 'deg', 'rad'].map(
      (f) => [f, { args: [v], returns: v }],
    ),
  ),
  ...Object.fromEntries(
    ['day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'hour', 'minute', 'month', 'year'].map((f) => [
      f,
      { args: [v], variadic: 1, returns: v },
    ]),
  ),
  round: { args: [v, s], variadic: 1, returns: v },
  clamp: { args: [v, s, s], returns: v },
  clamp_min: { args: [v, s], returns: v },
  clamp_max: { args: [v, s], returns: v },
  histogram_quantile: { args: [s, v], returns: v },
  label_replace: { args: [v, str, str, str, str], returns: v },
  label_join: { args: [v, str, str, str], variadic: -1, returns: v },
  sort_by_label: { args: [v, str], variadic: -1, returns: v },
  sort_by_label_desc: { args: [v, str], variadic: -1, returns: v },
  scalar: { args: [v], returns: s },
  vector: { args: [s], returns: v },
  time: { args: [], returns: s },
  pi: { args: [], returns: s },
};

/** The aggregation operators; `param` is the type of their first argument where they take one. */
export const AGGREGATIONS: Record<string, { param?: ExprType }> = {
  sum: {},
  avg: {},
  min: {},
  max: {},
  count: {},
  group: {},
  stddev: {},
  stdvar: {},
  topk: { param: s },
  bottomk: { param: s },
  limitk: { param: s },
  quantile: { param: s },
  count_values: { param: str },
};
