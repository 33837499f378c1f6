/** `opsbook import`: runbooks → a proposed ops config, every item with its source line. */
export { propose, type ImportInput } from './propose.js';
export { emit, type Emitted, type EmitOptions } from './emit.js';
export { parseThreshold, condition, type Threshold } from './threshold.js';
export { importReadme } from './readme.js';
export { compare, formatComparison, type Comparison } from './compare.js';
export { notInRunbook } from './compare-marks.js';
export type { Finding, Item, Proposal, Source, Todo, PrometheusRule } from './model.js';
