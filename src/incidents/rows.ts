import type { ChangeEventRow, IncidentAlertRow, IncidentRow, SilenceRow, TimelineRow } from '../store/index.js';
import { tooBroadWarning } from './matcher-scope.js';
import type { ChangeEvent, Incident, IncidentAlert, IncidentState, Silence, Suppression, TimelineEntry, TimelineKind } from './types.js';

/** Row ↔ domain conversions: JSON text columns parsed, nulls turned into absent fields. */

export function incidentFromRow(r: IncidentRow): Incident {
  return {
    id: r.id,
    title: r.title,
    state: r.state as IncidentState,
    severity: r.severity,
    ...(r.service !== null ? { service: r.service } : {}),
    source: r.source as Incident['source'],
    openedAt: Number(r.opened_at),
    updatedAt: Number(r.updated_at),
    ...(r.acknowledged_at !== null ? { acknowledgedAt: Number(r.acknowledged_at) } : {}),
    ...(r.resolved_at !== null ? { resolvedAt: Number(r.resolved_at) } : {}),
    ...(r.response_due_at !== null ? { responseDueAt: Number(r.response_due_at) } : {}),
    ...(r.response_from !== null && r.response_from !== undefined ? { responseFrom: Number(r.response_from) } : {}),
    labels: JSON.parse(r.labels) as Record<string, string>,
    ...(r.runbook !== null ? { runbook: r.runbook } : {}),
    createdBy: r.created_by,
    reopened: Number(r.reopened),
    ...(r.held_notification !== null ? { heldBy: JSON.parse(r.held_notification) as Suppression } : {}),
  };
}

export function incidentToRow(i: Incident): IncidentRow {
  return {
    id: i.id,
    title: i.title,
    state: i.state,
    severity: i.severity,
    service: i.service ?? null,
    source: i.source,
    opened_at: i.openedAt,
    updated_at: i.updatedAt,
    acknowledged_at: i.acknowledgedAt ?? null,
    resolved_at: i.resolvedAt ?? null,
    response_due_at: i.responseDueAt ?? null,
    response_from: i.responseFrom ?? null,
    labels: JSON.stringify(i.labels),
    runbook: i.runbook ?? null,
    created_by: i.createdBy,
    reopened: i.reopened,
    held_notification: i.heldBy ? JSON.stringify(i.heldBy) : null,
  };
}

export function alertFromRow(r: IncidentAlertRow): IncidentAlert {
  return {
    incidentId: r.incident_id,
    dedupKey: r.dedup_key,
    ruleId: r.rule_id,
    state: r.state as IncidentAlert['state'],
    severity: r.severity,
    labels: JSON.parse(r.labels) as Record<string, string>,
    annotations: JSON.parse(r.annotations) as Record<string, string>,
    ...(r.runbook !== null ? { runbook: r.runbook } : {}),
    ...(r.value !== null ? { value: Number(r.value) } : {}),
    firstFiredAt: Number(r.first_fired_at),
    lastFiredAt: Number(r.last_fired_at),
    ...(r.resolved_at !== null ? { resolvedAt: Number(r.resolved_at) } : {}),
  };
}

export function timelineFromRow(r: TimelineRow): TimelineEntry {
  const data = JSON.parse(r.data) as Record<string, unknown>;
  return {
    id: r.id,
    incidentId: r.incident_id,
    at: Number(r.at),
    kind: r.kind as TimelineKind,
    actor: r.actor,
    text: r.text,
    data,
    // A step's line ("step 1.1 ok …") does not name its execution in its text: the entry does.
    ...(r.kind === 'execution' && typeof data.executionId === 'string' ? { executionId: data.executionId } : {}),
  };
}

export function changeFromRow(r: ChangeEventRow): ChangeEvent {
  return {
    id: r.id,
    at: Number(r.at),
    kind: r.kind as ChangeEvent['kind'],
    ...(r.service !== null ? { service: r.service } : {}),
    summary: r.summary,
    actor: r.actor,
    data: JSON.parse(r.data) as Record<string, unknown>,
  };
}

export function silenceFromRow(r: SilenceRow): Silence {
  const matchers = JSON.parse(r.matchers) as { matchers: Silence['matchers']; onEnd?: Silence['onEnd'] };
  return {
    id: r.id,
    matchers: matchers.matchers,
    startsAt: Number(r.starts_at),
    endsAt: r.expired_at !== null ? Math.min(Number(r.ends_at), Number(r.expired_at)) : Number(r.ends_at),
    createdBy: r.created_by,
    comment: r.comment,
    onEnd: matchers.onEnd ?? 'notify_if_firing',
    origin: 'runtime',
    ...warningOf(matchers.matchers),
  };
}

/** A stored silence is read as it was made, even one a new silence may not be: it says so instead. */
function warningOf(matchers: Silence['matchers']): { warning?: string } {
  const warning = tooBroadWarning(matchers);
  return warning ? { warning } : {};
}
