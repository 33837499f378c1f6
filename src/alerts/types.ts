import type { CheckLevel } from '../checks/types.js';
import type { RuleCondition } from './condition.js';

/** Where a rule series stands. `resolved` is `inactive` after having fired, kept for display. */
export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved';

/** Labels of an alert: Prometheus-style text pairs. */
export type Labels = Record<string, string>;

/**
 * An alert starting or stopping. Rules, the Alertmanager webhook and the events API all produce
 * these; the incident engine consumes them.
 */
export interface AlertEvent {
  kind: 'firing' | 'resolved';
  ruleId: string;
  /** Rule id plus sorted labels: the same alert from the same series always has the same key. */
  dedupKey: string;
  labels: Labels;
  /** Templated texts: `summary`, `description`, and any other the rule sets. */
  annotations: Record<string, string>;
  /** Severity id on the ladder (`P1` …). */
  severity: string;
  /** Procedure reference `FILE#ID` to put in front of the responder. */
  runbook?: string;
  value?: number;
  at: number;
}

/** A severity per check level, e.g. `{ warning: 'P3', critical: 'P1' }`. */
export type SeverityMap = Partial<Record<Exclude<CheckLevel, 'ok'>, string>>;

export const DEFAULT_SEVERITY_MAP: Required<SeverityMap> = { warning: 'P3', critical: 'P1' };

/** A rule as the evaluator runs it, after config validation. */
export interface AlertRule {
  id: string;
  /** The check whose results the rule reads. */
  checkId: string;
  /** Absent for a check's implicit rule: it fires on the check's level (warning or critical). */
  condition?: RuleCondition;
  /** How long the condition must hold before the alert fires. */
  forMs: number;
  /** How long the alert keeps firing after the condition stops holding. */
  keepFiringForMs: number;
  labels: Labels;
  annotations: Record<string, string>;
  runbook?: string;
  /** A level rule picks by level; a condition rule uses `critical` unless one severity is given. */
  severity: SeverityMap;
  implicit: boolean;
}

/** What a rule needs to know of a check to build its series. */
export interface CheckInfo {
  id: string;
  name?: string;
  service?: string;
  labels?: Labels;
  runbook?: string;
  /** The check's own `severity:` map, used by its implicit rule. */
  severity?: SeverityMap | string;
}

/** State of one rule × series; persisted so a restart resumes `for:` and `keep_firing_for` waits. */
export interface SeriesState {
  seriesKey: string;
  ruleId: string;
  labels: Labels;
  state: AlertState;
  /** When the condition started holding (pending or firing); null while inactive. */
  activeSince: number | null;
  firingSince: number | null;
  /** Set while a firing alert's condition has stopped holding and `keep_firing_for` runs. */
  keepFiringUntil: number | null;
  lastValue: number | null;
  /** Whether the last input held the condition. */
  lastActive: boolean;
  /** The check level behind the last input (level rules), for severity. */
  lastLevel: CheckLevel | null;
  /** Severity the series last fired with; a change while firing fires again. */
  firedSeverity: string | null;
  updatedAt: number;
}
