/**
 * The proposal `opsbook import` builds from runbooks: config items, each with the lines of the
 * runbook it came from. Nothing here is a fact the runbook did not state; what it leaves open is a
 * `${TODO_…}` variable, named in `todos`.
 */

/** Where an item was read: the runbook file (as the config refers to it) and a 1-based line. */
export interface Source {
  file: string;
  line: number;
}

export type Section = 'services' | 'checks' | 'rules' | 'severities' | 'escalation_policies' | 'users' | 'slos';

/** One proposed config entry: the keys as ops.yaml spells them, where it came from, and why. */
export interface Item {
  section: Section;
  id: string;
  /** The entry as written into ops.yaml (real schema keys only). */
  body: Record<string, unknown>;
  sources: Source[];
  /** Short notes shown as YAML comments above the entry: what the runbook said, what is left to decide. */
  notes: string[];
}

/** What the docs/import.md table and `--json` list per runbook: each finding with its line. */
export interface Finding {
  what: 'service' | 'check' | 'rule' | 'severity' | 'escalation' | 'slo' | 'backup' | 'runbook link' | 'prometheus rule' | 'alert runbook';
  /** One line: what was found, e.g. `email-queue: [LENGTH] > 500 warning`. */
  text: string;
  source: Source;
}

/**
 * A Prometheus rule (alerting or recording) for the rule file `rule_files:` names: evaluated by
 * opsbook as written, with its procedure linked and its severity placed on the ladder.
 */
export interface PrometheusRule {
  group: string;
  /** The group's other keys as written (interval, labels, query_offset, limit). */
  groupOptions: Record<string, unknown>;
  /** The alert's (or recording rule's) name. */
  name: string;
  /** The rule as written, plus `runbook: FILE#ID` when a procedure matches. */
  rule: Record<string, unknown>;
  source: Source;
  /** What import changed or decided, shown as comments above the rule. */
  notes: string[];
  /** Why opsbook's loader refuses the rule: it is listed in a comment instead of the file's groups. */
  leftOut?: string;
}

/** A `${TODO_…}` variable with what to put in it. */
export interface Todo {
  name: string;
  hint: string;
}

export interface Proposal {
  /** Runbook paths as written into `runbooks:` (relative to the output directory when there is one). */
  runbooks: string[];
  items: Item[];
  /** Prometheus rules for the rule file beside ops.yaml. */
  prometheusRules: PrometheusRule[];
  findings: Finding[];
  todos: Todo[];
  /** Variables standing for the credentials the runbooks write (`${LIBRARY_SERVICE_DB_PASSWORD}`): never copied, set them in the environment. */
  credentials: Todo[];
}

export function at(file: string, line: number): Source {
  return { file, line };
}

export function formatSource(s: Source): string {
  return `${s.file}:${s.line}`;
}

/** A row of the runbook's own severity table, as import matches alerts against it. */
export interface LadderRow {
  id: string;
  file: string;
  line: number;
  /** Name, description and examples, lower case. */
  text: string;
}
