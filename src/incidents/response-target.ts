import type { Kysely, Transaction } from 'kysely';
import { formatDuration } from '../lib/duration.js';
import { timelineLinesWithData, type Database } from '../store/index.js';
import { utcSecond } from '../lib/instants.js';
import type { Incident, IncidentEffect, Severity, TimelineEntry } from './types.js';

/**
 * Where an incident's response clock started: its opening, or where a page held back by a window or
 * silence went out, or where it re-opened (`responseFrom`). Its due time, the escalation's timed
 * steps and the time to acknowledge all count from here.
 */
export function responseClockStart(incident: Pick<Incident, 'openedAt' | 'responseFrom'>): number {
  return incident.responseFrom ?? incident.openedAt;
}

/** The start of an incident's escalation, its clock started where the incident's response clock did. */
export function escalationStart(incident: Incident): Extract<IncidentEffect, { kind: 'start_escalation' }> {
  return {
    kind: 'start_escalation', incidentId: incident.id, severity: incident.severity, openedAt: responseClockStart(incident),
    ...(incident.responseDueAt !== undefined ? { responseDueAt: incident.responseDueAt } : {}),
  };
}

/** What a timeline line's `data.event` says when it records a response target passing unanswered. */
export const RESPONSE_TARGET_MISSED = 'response_target_missed';

/**
 * The timeline line of a response target that passed with the incident still triggered: "response
 * target 15m missed: not acknowledged by 2026-03-02 03:12:00 UTC", with the due time and the
 * severity whose target it was. `severity` is the ladder's rung (undefined: no longer on it).
 */
export function responseMissedLine(severityId: string, severity: Severity | undefined, dueAt: number): { text: string; data: { event: string; responseDueAt: number; severity: string } } {
  return {
    text: `response target ${severity ? responseTargetText(severity) : `of ${severityId}`} missed: not acknowledged by ${utcSecond(dueAt)}`,
    data: { event: RESPONSE_TARGET_MISSED, responseDueAt: dueAt, severity: severityId },
  };
}

/**
 * The severity's response target as the config says it, in one wording wherever it is shown (the
 * timeline's line, the incident page, the review): `15m`, `4h of business time`, `next business day`.
 */
export function responseTargetText(severity: Severity): string {
  const r = severity.response;
  if (r.kind === 'next_business_day') return 'next business day';
  return `${formatDuration(r.ms)}${r.businessHours ? ' of business time' : ''}`;
}

/** The timeline's lines recording a response target missed, in their order. */
export function responseMisses(timeline: readonly Pick<TimelineEntry, 'data' | 'at'>[]): Array<{ at: number; responseDueAt: number; severity: string }> {
  return timeline.flatMap((t) =>
    t.data.event === RESPONSE_TARGET_MISSED && typeof t.data.responseDueAt === 'number' ? [{ at: t.at, responseDueAt: t.data.responseDueAt, severity: String(t.data.severity ?? '') }] : [],
  );
}

/** The response targets recorded missed on an incident's timeline, read from the store (`db`: a transaction sees its own writes). */
export async function recordedResponseMisses(db: Kysely<Database> | Transaction<Database>, incidentId: string): Promise<Array<{ at: number; responseDueAt: number; severity: string }>> {
  const rows = await timelineLinesWithData(db, incidentId, RESPONSE_TARGET_MISSED);
  return responseMisses(rows.map((r) => ({ at: Number(r.at), data: JSON.parse(r.data) as Record<string, unknown> })));
}
