import { parser } from '@prometheus-io/lezer-promql';
import { verdict, type Verdict } from './effect.js';

/** PromQL only queries; an expression that does not parse is `unknown`. */
export function promqlVerdict(expr: string): Verdict {
  const tree = parser.parse(expr);
  let error = -1;
  tree.iterate({
    enter: (node) => {
      if (error < 0 && node.type.isError) error = node.from;
      return error < 0;
    },
  });
  if (error >= 0) return verdict('unknown', `PromQL does not parse ${error >= expr.trimEnd().length ? 'at the end' : `near "${expr.slice(error, error + 20).trim()}"`}`, 'promql');
  return verdict('read', 'a PromQL query only reads', 'promql');
}
