import type { AlertSeriesTable } from './alerts.js';

/** Row types of the incidents domain. Instants are epoch milliseconds; JSON is stored as text. */

export interface IncidentsTable {
  /** Sortable id (`inc_…`): ordering by id is ordering by opening time. */
  id: string;
  title: string;
  /** triggered | acknowledged | investigating | mitigated | resolved | reviewed. */
  state: string;
  severity: string;
  service: string | null;
  /** alert | manual. */
  source: string;
  opened_at: number;
  updated_at: number;
  acknowledged_at: number | null;
  resolved_at: number | null;
  /** When the severity's response target passes. */
  response_due_at: number | null;
  /** When the response clock started if not at the opening (a held page's release, a re-opening); null otherwise. */
  response_from: number | null;
  /** Labels shared by the incident's first alert, JSON. */
  labels: string;
  runbook: string | null;
  created_by: string;
  /** How often it was re-opened by a recurring alert. */
  reopened: number;
  /**
   * Set while a notification is held back by a maintenance window or silence: the suppressor's
   * description as JSON, so the end of the window can release it. Null when nothing is held.
   */
  held_notification: string | null;
}

/** An alert (by dedup key) that opened or joined an incident. */
export interface IncidentAlertsTable {
  incident_id: string;
  dedup_key: string;
  rule_id: string;
  /** firing | resolved. */
  state: string;
  severity: string;
  labels: string;
  annotations: string;
  runbook: string | null;
  value: number | null;
  first_fired_at: number;
  last_fired_at: number;
  resolved_at: number | null;
}

/** One line of an incident's timeline. */
export interface IncidentTimelineTable {
  /** Sortable id (`tl_…`); ties at the same instant keep insertion order through `seq`. */
  id: string;
  incident_id: string;
  seq: number;
  at: number;
  /** alert | status | note | notification | delivery | change | suppressed | escalation. */
  kind: string;
  actor: string;
  text: string;
  data: string;
}

/** A change to a system (deploy, rollback, config change) reported through the API. */
export interface ChangeEventsTable {
  id: string;
  at: number;
  /** deploy | rollback | config | other. */
  kind: string;
  service: string | null;
  summary: string;
  actor: string;
  data: string;
}

/** A silence created at runtime (config silences live in ops.yaml). */
export interface SilencesTable {
  id: string;
  /** Label matchers as JSON. */
  matchers: string;
  starts_at: number;
  ends_at: number;
  created_by: string;
  created_at: number;
  comment: string;
  expired_at: number | null;
}

/** The incidents domain's tables, by name (merged into `Database`). */
export interface IncidentTables {
  incidents: IncidentsTable;
  incident_alerts: IncidentAlertsTable;
  incident_timeline: IncidentTimelineTable;
  change_events: ChangeEventsTable;
  silences: SilencesTable;
  alert_series: AlertSeriesTable;
  incident_roles: IncidentRolesTable;
  incident_reviews: IncidentReviewsTable;
  store_changes: StoreChangesTable;
}

/** Who holds a response role on an incident: commander and communications have one holder each. */
export interface IncidentRolesTable {
  incident_id: string;
  /** commander | communications | responder. */
  role: string;
  person: string;
  assigned_at: number;
  assigned_by: string;
}

/** One saved version of an incident's review (markdown); a published version has published_at. */
export interface IncidentReviewsTable {
  incident_id: string;
  version: number;
  body: string;
  saved_at: number;
  saved_by: string;
  published_at: number | null;
  published_by: string | null;
}

/** SQLite only: changes recorded by triggers, read in seq order by the change feed. */
export interface StoreChangesTable {
  seq: number;
  topic: string;
  key: string;
}
