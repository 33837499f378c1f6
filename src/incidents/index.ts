/**
 * Incidents: lifecycle, dedup and grouping, severity ladder, maintenance windows and silences,
 * timeline.
 *
 * - `new IncidentService(store, clock, { severities, businessHours, maintenance, silences })`
 *   (from `config.severities`, `config.business_hours`, `config.maintenance`, `config.silences`).
 *   `onAlert(event)` opens / joins / re-opens / resolves; `create`, `acknowledge`, `investigate`,
 *   `mitigate`, `resolve`, `review` for people (invalid moves throw OPSBOOK_E_INCIDENT_TRANSITION);
 *   `addNote`, `addTimelineEntry` (notifications, deliveries, escalation steps written by others),
 *   `recordChange` (POST /api/changes), `list`, `get`, `timeline`, `alerts`.
 * - Every call returns `IncidentEffect`s; nothing is sent here. The daemon turns `notify` into
 *   outbox rows (skip delivery when `suppressedBy` is set: a window or silence held it),
 *   `start_escalation` / `stop_escalation` into escalation state.
 * - Windows and silences end on their own: arm a timer at `nextReleaseAt()` and call
 *   `releaseHeld()`; it returns the notifications released then (`on_end: notify_if_firing`),
 *   whose pages a `ReleasedPages` writes in the release's own transaction.
 */
export * from './types.js';
export { CHANGE_LOOKBACK_MS } from './alert-intake.js';
export { MAX_TITLE_CHARS } from './title.js';
export { IncidentService, type ChangeInput, type EscalationLine, type IncidentConfig, type ManualIncidentInput } from './service.js';
export type { SilenceInput } from './silences.js';
export { validateSilence } from './silences.js';
export { incidentFromRow, silenceFromRow } from './rows.js';
export { INCIDENT_WRITE_LOCK, type ReleasedPages } from './engine-core.js';
export { ALLOWED_TRANSITIONS, canTransition } from './lifecycle.js';
export { configuredLadder, DEFAULT_SEVERITIES, SeverityLadder, severityFilterProblem } from './severity.js';
export { addBusinessTime, DEFAULT_BUSINESS_HOURS, isBusinessTime, nextBusinessDayStart, responseDueAt } from './business-hours.js';
export { activeOccurrence, findSuppression, occurrenceWithin, matcherMatches, matchersMatch } from './suppression.js';
export { emptyValueProblem, matchAllProblem, narrows, tooBroadWarning } from './matcher-scope.js';
export { recordedResponseMisses, responseMissedLine, responseMisses, escalationStart, responseClockStart, responseTargetText, RESPONSE_TARGET_MISSED } from './response-target.js';
export { renderReview, type ReviewAnswer, type ReviewInput, type ReviewStep, type ReviewTemplateSection } from './review.js';
