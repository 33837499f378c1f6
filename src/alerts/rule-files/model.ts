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

/**
 * What the config (`rule_files.alerts`) says of one alert name, in place of what its rule says: the
 * rule file stays as written, and the operator's ladder and runbooks decide.
 */
export interface RuleFileAlertSettings {
  /** A ladder id, in place of what the `severity` label maps to. */
  severity?: string;
  /** A procedure link (`FILE#ID`), in place of the alert's runbook annotation. */
  runbook?: string;
}
