import { describe, expect, it } from 'vitest';
import { renderReview } from './review.js';
import { addBusinessTime } from './business-hours.js';
import type { BusinessHours, Incident, Severity, TimelineEntry } from './types.js';

const HOUR = 3_600_000;
const office: BusinessHours = { id: 'office', timeZone: 'UTC', days: ['mon', 'tue', 'wed', 'thu', 'fri'], startMinutes: 9 * 60, endMinutes: 17 * 60, holidays: [] };
const p2: Severity = { id: 'P2', name: 'Medium', response: { kind: 'duration', ms: 4 * HOUR, businessHours: 'office' }, autoResolve: true, reopenWithinMs: HOUR, groupWithinMs: HOUR };
/** Friday 6 March 2026, 16:00 UTC: one business hour left that day. */
const FRIDAY_4PM = Date.parse('2026-03-06T16:00:00Z');

function incident(over: Partial<Incident>): Incident {
  return { id: 'inc-1', title: 'Reports slow', state: 'resolved', severity: 'P2', source: 'manual', openedAt: FRIDAY_4PM, updatedAt: FRIDAY_4PM, labels: {}, createdBy: 'ana', reopened: 0, ...over };
}
const responseRow = (md: string) => md.split('\n').find((l) => l.startsWith('| time to acknowledge'));

describe('the review’s response times against target', () => {
  it('judges the acknowledgement against the incident’s due time, which counts business time', () => {
    // 4 h of business time from Friday 16:00 is Monday 12:00; acknowledged Monday 10:00 is in time.
    const due = addBusinessTime(FRIDAY_4PM, 4 * HOUR, office);
    expect(new Date(due).toISOString()).toBe('2026-03-09T12:00:00.000Z');
    const acknowledgedAt = Date.parse('2026-03-09T10:00:00Z');
    const md = renderReview({ incident: incident({ responseDueAt: due, acknowledgedAt, resolvedAt: acknowledgedAt + HOUR }), severity: p2, alerts: [], timeline: [], steps: [], responseTargetMs: 4 * HOUR });
    expect(responseRow(md)).toBe('| time to acknowledge | 66 h 0 min | 4 h 0 min (within target) |');
    // Acknowledged Monday 13:00, after the due time: missed.
    const late = renderReview({ incident: incident({ responseDueAt: due, acknowledgedAt: due + HOUR }), severity: p2, alerts: [], timeline: [], steps: [], responseTargetMs: 4 * HOUR });
    expect(responseRow(late)).toContain('(**missed target**)');
  });

  it('lists the targets recorded missed on the timeline, and an incident never acknowledged missed its target', () => {
    const due = FRIDAY_4PM + 15 * 60_000;
    const line: TimelineEntry = { id: 'tl-1', incidentId: 'inc-1', at: due, kind: 'escalation', actor: 'system:escalation', text: 'response target 15m missed', data: { event: 'response_target_missed', responseDueAt: due, severity: 'P1' } };
    const md = renderReview({ incident: incident({ severity: 'P1', responseDueAt: due, resolvedAt: due + HOUR }), severity: undefined, alerts: [], timeline: [line], steps: [], responseTargetMs: 15 * 60_000 });
    expect(responseRow(md)).toBe('| time to acknowledge | — | 15 min (**missed target**) |');
    expect(md).toContain('- Response target of P1 missed at 2026-03-06T16:15:00Z: not acknowledged by then.');
  });
});
