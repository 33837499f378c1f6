import type { Expr } from './ast.js';
import type { Value } from './model.js';
import type { SeriesSource } from './storage.js';

/** One evaluation: the data, the options, the query's start and end (for `@ start()`/`@ end()`), and the evaluator itself. */
export interface EvalContext {
  source: SeriesSource;
  lookbackDelta: number;
  subqueryStep: number;
  start: number;
  end: number;
  evaluate(e: Expr, t: number): Value;
}
