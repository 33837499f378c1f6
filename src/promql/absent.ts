import type { Expr } from './ast.js';
import { METRIC_NAME, type Labels } from './model.js';

/** The labels `absent()` and `absent_over_time()` report: the equality matchers of the selector, once each. */
export function absentLabels(arg: Expr): Labels {
  while (arg.type === 'Paren') arg = arg.expr;
  const sel = arg.type === 'VectorSelector' ? arg : arg.type === 'MatrixSelector' ? arg.selector : undefined;
  if (!sel) return {};
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const m of sel.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !seen.has(m.name)) {
      out[m.name] = m.value;
      seen.add(m.name);
    } else delete out[m.name];
  }
  return out;
}
