/** opsbook's PromQL evaluator (Prometheus v3.5 semantics over float samples; native histograms are not supported). */
export type { Expr, ExprType } from './ast.js';
export { Engine, type EngineOptions, type InstantResult, type RangeResult } from './engine.js';
export { parseExpr, typeOf } from './parse.js';
export { formatLabels, labelsKey, METRIC_NAME, PromQLError, type Labels, type Sample, type Series, type Value } from './model.js';
export { isSeriesSink, MemorySeriesSource, type SeriesSink, type SeriesSource, type StoredSample, type StoredSeries } from './storage.js';
export { anchoredRegex, compileMatcher, type Matcher } from './matchers.js';
export { parseDurationMs } from './literals.js';
export { almostEqual } from './math.js';
export { parseSeriesDesc } from './series-notation.js';
