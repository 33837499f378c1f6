import type { Expr } from '../../promql/index.js';
import type { Template } from './go-template.js';

/** A Prometheus alerting rule as a rule file states it, parsed and checked. */
export interface AlertingRuleSpec {
  kind: 'alert';
  name: string;
  expr: Expr;
  exprText: string;
  /** ms */
  for: number;
  keepFiringFor: number;
  labels: Record<string, string>;
  labelTemplates: Record<string, Template>;
  annotations: Record<string, string>;
  annotationTemplates: Record<string, Template>;
  /** `file:line` of the rule, for messages. */
  location: string;
}

export interface RecordingRuleSpec {
  kind: 'record';
  name: string;
  expr: Expr;
  exprText: string;
  labels: Record<string, string>;
  location: string;
}

export type RuleSpec = AlertingRuleSpec | RecordingRuleSpec;

export interface RuleGroupSpec {
  name: string;
  file: string;
  /** ms; undefined: the default evaluation interval. */
  interval?: number;
  queryOffset: number;
  limit: number;
  labels: Record<string, string>;
  rules: RuleSpec[];
}

/** A problem in a rule file, with where it is. */
export interface RuleFileProblem {
  file: string;
  line?: number;
  message: string;
}

export class RuleFileError extends Error {
  constructor(readonly problems: RuleFileProblem[]) {
    super(problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`).join('\n'));
    this.name = 'RuleFileError';
  }
}
