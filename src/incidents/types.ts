import type { LabelMatcher } from '../lib/labels.js';
import type { AlertEvent, Labels } from '../alerts/types.js';
import type { Weekday } from '../oncall/types.js';

/** The incident lifecycle, in order. */
export const INCIDENT_STATES = ['triggered', 'acknowledged', 'investigating', 'mitigated', 'resolved', 'reviewed'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

/** States in which an incident is still open (alerts join it, escalation runs). */
export const OPEN_STATES: readonly IncidentState[] = ['triggered', 'acknowledged', 'investigating', 'mitigated'];

/** How soon a response is due for a severity. */
export type ResponseTarget =
  | { kind: 'duration'; ms: number; /** Count only business time of this calendar. */ businessHours?: string }
  | { kind: 'next_business_day'; businessHours?: string };

/** One rung of the severity ladder; the ladder's order is most severe first. */
export interface Severity {
  id: string;
  name: string;
  description?: string;
  response: ResponseTarget;
  /** Which of a person's notification rules apply; high when absent. */
  urgency?: 'low';
  /** Resolve the incident when all its alerts resolve. */
  autoResolve: boolean;
  /** A recurrence of the same alert within this long after resolution re-opens the incident. */
  reopenWithinMs: number;
  /** A new alert of the same service joins an open incident opened within this long. */
  groupWithinMs: number;
}

/** Business hours for "next business day" targets and business-time response clocks. */
export interface BusinessHours {
  id: string;
  timeZone: string;
  days: Weekday[];
  /** Minutes after local midnight. */
  startMinutes: number;
  endMinutes: number;
  /** Local dates (YYYY-MM-DD) that are not business days. */
  holidays: string[];
}

export type { MatchOp } from '../lib/labels.js';

/** A label matcher as Alertmanager writes it; regexes are anchored at both ends. */
export type Matcher = LabelMatcher;

/** What happens to notifications held back by a window or silence when it ends. */
export type OnEnd = 'notify_if_firing' | 'drop';

export interface MaintenanceWindow {
  id: string;
  /** One-off window: [start, end). */
  start?: number;
  end?: number;
  /** Recurring window: opens at each cron occurrence (in `timeZone`) for `durationMs`. */
  cron?: string;
  durationMs?: number;
  timeZone: string;
  /** Services covered; empty means any service the matchers allow. */
  services: string[];
  matchers: Matcher[];
  onEnd: OnEnd;
  comment?: string;
}

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  onEnd: OnEnd;
  /** Where it comes from: ops.yaml or created at runtime (store). */
  origin: 'config' | 'runtime';
  /** Set on a stored silence that takes in more than a new one may (made before that was refused): what, and how to narrow it. */
  warning?: string;
}

/** What held a notification back, as incidents and effects show it. */
export interface Suppression {
  kind: 'maintenance' | 'silence';
  id: string;
  /** When this window or silence stops suppressing. */
  until: number;
  onEnd: OnEnd;
  comment?: string;
  /** A silence's: set when it takes in more than a new one may (see Silence.warning), so whoever reads the hold sees why so much was held. */
  warning?: string;
}

export type IncidentSource = 'alert' | 'manual';

export interface Incident {
  id: string;
  title: string;
  state: IncidentState;
  severity: string;
  service?: string;
  source: IncidentSource;
  openedAt: number;
  updatedAt: number;
  acknowledgedAt?: number;
  resolvedAt?: number;
  responseDueAt?: number;
  /**
   * When the response clock started, where not at the opening: a page held back by a window or
   * silence starts it as it goes out, a re-opening as it re-opens. Severity changes count from here.
   */
  responseFrom?: number;
  labels: Labels;
  runbook?: string;
  createdBy: string;
  reopened: number;
  /** Set while its notification is held back by a window or silence. */
  heldBy?: Suppression;
}

export type TimelineKind = 'alert' | 'status' | 'note' | 'notification' | 'delivery' | 'change' | 'suppressed' | 'escalation' | 'execution';

export interface TimelineEntry {
  id: string;
  incidentId: string;
  at: number;
  kind: TimelineKind;
  actor: string;
  text: string;
  data: Record<string, unknown>;
  /** The runbook execution a line of kind `execution` is about (its start, a step, its end). */
  executionId?: string;
}

export interface IncidentAlert {
  incidentId: string;
  dedupKey: string;
  ruleId: string;
  state: 'firing' | 'resolved';
  severity: string;
  labels: Labels;
  annotations: Record<string, string>;
  runbook?: string;
  value?: number;
  firstFiredAt: number;
  lastFiredAt: number;
  resolvedAt?: number;
}

/** A deploy, rollback or config change reported by `POST /api/changes`. */
export interface ChangeEvent {
  id: string;
  at: number;
  kind: 'deploy' | 'rollback' | 'config' | 'other';
  service?: string;
  summary: string;
  actor: string;
  data: Record<string, unknown>;
}

export type NotifyEvent = 'opened' | 'reopened' | 'severity_raised' | 'resolved' | 'released';

/**
 * What the daemon must do after an incident action. The incident engine sends nothing itself: the
 * wiring turns `notify` into outbox rows and the escalation effects into escalation timers.
 */
export type IncidentEffect =
  | {
      kind: 'notify';
      incidentId: string;
      event: NotifyEvent;
      severity: string;
      /** Set when a maintenance window or silence holds this notification back: do not deliver it. */
      suppressedBy?: Suppression;
      /** The actor whose action caused it, when a person or an integration did. */
      by?: string;
    }
  /** `openedAt`: where the escalation's clock starts (the incident's response clock: see `responseClockStart`). */
  | { kind: 'start_escalation'; incidentId: string; severity: string; openedAt: number; responseDueAt?: number }
  | { kind: 'stop_escalation'; incidentId: string; reason: 'acknowledged' | 'resolved'; by: string };

export interface IncidentResult {
  incident: Incident;
  effects: IncidentEffect[];
}

export type { AlertEvent };

/** Response roles on an incident: one commander, one communications lead, any number of responders. */
export const INCIDENT_ROLES = ['commander', 'communications', 'responder'] as const;
export type IncidentRole = (typeof INCIDENT_ROLES)[number];
export const ROLE_NAMES: Record<IncidentRole, string> = { commander: 'incident commander', communications: 'communications lead', responder: 'responder' };

export interface IncidentRoleHolder {
  role: IncidentRole;
  person: string;
  assignedAt: number;
  assignedBy: string;
}

/** One saved version of a post-incident review (markdown). */
export interface ReviewVersion {
  version: number;
  body: string;
  savedAt: number;
  savedBy: string;
  publishedAt?: number;
  publishedBy?: string;
}
