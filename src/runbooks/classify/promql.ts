import type { LRParser } from '@lezer/lr';
import { promqlParser } from '../../lib/promql-grammar.js';
import { speedups } from '../speedups.js';
import { verdict, type Verdict } from './effect.js';

/** The same grammar without error recovery: it stops at the first error instead of repairing the tree. */
let strict: LRParser | undefined;
const strictParser = (): LRParser => (strict ??= promqlParser().configure({ strict: true }));

/**
 * Whether a text parses whole as PromQL. Lezer's error recovery, which a list of queries (one a
 * line) sets off at every line, costs many times a clean parse; a strict parse answers the
 * question alone and fails fast. A tree without error nodes is exactly a parse that needed no
 * recovery.
 */
export function promqlParses(expr: string): boolean {
  if (!speedups().prechecks) return promqlError(expr) < 0;
  try {
    strictParser().parse(expr);
    return true;
  } catch (e) {
    if (e instanceof SyntaxError) return false;
    throw e;
  }
}

/** Where the recovering parse finds its first error, or -1. */
function promqlError(expr: string): number {
  const tree = promqlParser().parse(expr);
  let error = -1;
  tree.iterate({
    enter: (node) => {
      if (error < 0 && node.type.isError) error = node.from;
      return error < 0;
    },
  });
  return error;
}

/** PromQL only queries; an expression that does not parse is `unknown`. `parses`: what `promqlParses` said of it, when asked already. */
export function promqlVerdict(expr: string, parses = speedups().prechecks && promqlParses(expr)): Verdict {
  const error = parses ? -1 : promqlError(expr);
  if (error >= 0) return verdict('unknown', `PromQL does not parse ${error >= expr.trimEnd().length ? 'at the end' : `near "${expr.slice(error, error + 20).trim()}"`}`, 'promql');
  return verdict('read', 'a PromQL query only reads', 'promql');
}
