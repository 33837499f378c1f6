export { checkOrders, parseCondition, type ParsedCondition, type ConditionNode, type ComparisonOp } from './parse.js';
export { evaluateCondition, ConditionScope, readPath, type ConditionVerdict } from './evaluate.js';
export { parseLiteral, Literal } from './literal.js';
export { tokenize, type PathSegment } from './tokenize.js';
