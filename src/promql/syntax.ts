/**
 * PromQL's syntax without its evaluator: what reading a config needs (a metrics check's expression
 * and its type, a relabel rule's regex). Importing index.ts loads the engine too (its functions,
 * aggregations, storage): 13 ms more CPU at every `opsbook validate`, start and reload for nothing.
 */
export type { Expr, ExprType } from './ast.js';
export { parseExpr, typeOf } from './parse.js';
export { anchoredRegex } from './matchers.js';
export { PromQLError } from './model.js';
