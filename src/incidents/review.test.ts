/** The generated review's response times: the figures it prints and its verdict against the incident's own due time. */
import { describe, expect, it } from 'vitest';
import { renderReview, type ReviewInput } from './review.js';
import type { Incident, Severity, TimelineEntry } from './types.js';

const OPENED = Date.UTC(2026, 11, 4, 18, 0, 0); // a Friday, 18:00 UTC
const MIN = 60_000;

function severity(response: Severity['response']): Severity {
  return { id: 'P2', name: 'Major', response, autoResolve: true, reopenWithinMs: 0, groupWithinMs: 0 };
}

function incident(over: Partial<Incident> = {}): Incident {
  return { id: 'inc_1', title: 'API slow', state: 'resolved', severity: 'P2', source: 'manual', openedAt: OPENED, updatedAt: OPENED, labels: {}, createdBy: 'system', reopened: 0, ...over };
}

function status(to: string, at: number): TimelineEntry {
  return { id: `tl-${to}`, incidentId: 'inc_1', at, kind: 'status', actor: 'ana', text: `→ ${to}`, data: { to } };
}

function review(over: Partial<ReviewInput>): string {
  return renderReview({ incident: incident(), severity: severity({ kind: 'duration', ms: 15 * MIN }), alerts: [], timeline: [], steps: [], ...over });
}

const row = (md: string, measure: string): string | undefined => md.split('\n').find((l) => l.startsWith(`| ${measure} |`));

describe('review response times', () => {
  it('prints seconds: an acknowledgement after 24 s is not "0 min", 55 s to resolve is not "1 min"', () => {
    const md = review({
      incident: incident({ acknowledgedAt: OPENED + 24_000, resolvedAt: OPENED + 55_000, responseDueAt: OPENED + 15 * MIN }),
      timeline: [status('acknowledged', OPENED + 24_000)],
      template: [{ title: 'Detection', answer: 'detection', items: [] }],
    });
    expect(row(md, 'time to acknowledge')).toBe('| time to acknowledge | 24 s | 15m, due 2026-12-04T18:15:00Z (within target) |');
    expect(row(md, 'time to resolve')).toBe('| time to resolve | 55 s | — |');
    expect(md).toContain('- Acknowledged 24 s after opening by ana');
  });

  it('counts the time to acknowledge from where the response clock started (a re-opening, a held page\'s release)', () => {
    const from = OPENED + 2 * 60 * MIN;
    const md = review({
      incident: incident({ state: 'acknowledged', reopened: 1, responseFrom: from, acknowledgedAt: from + 2 * MIN, responseDueAt: from + 15 * MIN }),
      timeline: [status('acknowledged', from + 2 * MIN)],
      template: [{ title: 'Detection', answer: 'detection', items: [] }],
    });
    expect(row(md, 'time to acknowledge')).toBe('| time to acknowledge | 2 min | 15m, due 2026-12-04T20:15:00Z (within target) |');
    expect(md).toContain('- Acknowledged 2 min after its response clock started (2026-12-04T20:00:00Z) by ana');
  });

  it('says by how much a target was missed, so "15 min" next to "missed" is not a contradiction', () => {
    const md = review({ incident: incident({ acknowledgedAt: OPENED + 15 * MIN + 20_000, resolvedAt: OPENED + 3_725_000, responseDueAt: OPENED + 15 * MIN }) });
    expect(row(md, 'time to acknowledge')).toBe('| time to acknowledge | 15 min 20 s | 15m, due 2026-12-04T18:15:00Z (**missed target** by 20 s) |');
    expect(row(md, 'time to resolve')).toBe('| time to resolve | 1 h 2 min 5 s | — |');
  });

  it('judges a business-hours target by the due time the incident carries, not by wall-clock minutes since opening', () => {
    // 4 h of business time from Friday 18:00 is due Monday 13:00; acknowledged Monday 10:00 is within it.
    const due = Date.UTC(2026, 11, 7, 13, 0, 0);
    const acked = Date.UTC(2026, 11, 7, 10, 0, 0);
    const md = review({
      incident: incident({ acknowledgedAt: acked, resolvedAt: acked + MIN, responseDueAt: due }),
      severity: severity({ kind: 'duration', ms: 240 * MIN, businessHours: 'office' }),
    });
    expect(row(md, 'time to acknowledge')).toBe('| time to acknowledge | 64 h 0 min | 4h of business time, due 2026-12-07T13:00:00Z (within target) |');
  });

  it('judges a next-business-day target too, which has no duration', () => {
    const due = Date.UTC(2026, 11, 7, 9, 0, 0);
    const md = review({
      incident: incident({ acknowledgedAt: due + 30 * MIN, resolvedAt: due + 60 * MIN, responseDueAt: due }),
      severity: severity({ kind: 'next_business_day' }),
    });
    expect(row(md, 'time to acknowledge')).toBe('| time to acknowledge | 63 h 30 min | next business day, due 2026-12-07T09:00:00Z (**missed target** by 30 min) |');
  });

  it('counts a target that passed with nobody acknowledging as missed, and one resolved in time as met', () => {
    const missed = review({ incident: incident({ resolvedAt: OPENED + 40 * MIN, responseDueAt: OPENED + 15 * MIN }) });
    expect(row(missed, 'time to acknowledge')).toBe('| time to acknowledge | — | 15m, due 2026-12-04T18:15:00Z (**missed target**: not acknowledged) |');
    const quick = review({ incident: incident({ resolvedAt: OPENED + 5 * MIN, responseDueAt: OPENED + 15 * MIN }) });
    expect(row(quick, 'time to acknowledge')).toBe('| time to acknowledge | — | 15m, due 2026-12-04T18:15:00Z (resolved within target, not acknowledged) |');
    const open = review({ incident: incident({ state: 'triggered', responseDueAt: OPENED + 15 * MIN }) });
    expect(row(open, 'time to acknowledge')).toBe('| time to acknowledge | — | 15m, due 2026-12-04T18:15:00Z |');
  });

  it('prints the target without a verdict when the incident carries no due time (no calendar to read)', () => {
    const md = review({ incident: incident({ acknowledgedAt: OPENED + 90_000, resolvedAt: OPENED + 5 * MIN }) });
    expect(row(md, 'time to acknowledge')).toBe('| time to acknowledge | 1 min 30 s | 15m |');
  });

  it('lists the targets recorded missed on the timeline, and counts an incident never acknowledged as missed from that record', () => {
    const due = OPENED + 15 * MIN;
    const line: TimelineEntry = { id: 'tl-1', incidentId: 'inc_1', at: due, kind: 'escalation', actor: 'system:escalation', text: 'response target 15m missed', data: { event: 'response_target_missed', responseDueAt: due, severity: 'P1' } };
    const open = review({ incident: incident({ state: 'triggered', severity: 'P1', responseDueAt: due }), timeline: [line] });
    expect(row(open, 'time to acknowledge')).toBe('| time to acknowledge | — | 15m, due 2026-12-04T18:15:00Z (**missed target**: not acknowledged) |');
    expect(open).toContain('- Response target of P1 missed at 2026-12-04T18:15:00Z: not acknowledged by then.');
  });

  it('counts the times of a re-opened incident from its re-opening, says so, and lists the earlier opening', () => {
    // Opened 18:00, resolved 18:30; re-opened 22:30 (its alert again, 4 h later), acknowledged 22:35, mitigated 22:50, resolved 23:00.
    const reopenedAt = OPENED + 270 * MIN;
    const reopenLine: TimelineEntry = { id: 'tl-re', incidentId: 'inc_1', at: reopenedAt, kind: 'status', actor: 'system:alerts', text: 're-opened', data: { from: 'resolved', to: 'triggered' } };
    const md = review({
      incident: incident({ reopened: 1, responseFrom: reopenedAt, acknowledgedAt: reopenedAt + 5 * MIN, resolvedAt: reopenedAt + 30 * MIN, responseDueAt: reopenedAt + 15 * MIN }),
      timeline: [
        status('acknowledged', OPENED + 3 * MIN), status('mitigated', OPENED + 10 * MIN), status('resolved', OPENED + 30 * MIN),
        reopenLine, status('acknowledged', reopenedAt + 5 * MIN), status('mitigated', reopenedAt + 20 * MIN), status('resolved', reopenedAt + 30 * MIN),
      ],
    });
    expect(row(md, 'time to acknowledge')).toBe('| time to acknowledge | 5 min | 15m, due 2026-12-04T22:45:00Z (within target) |');
    expect(row(md, 'time to mitigate')).toBe('| time to mitigate | 20 min | — |');
    expect(row(md, 'time to resolve')).toBe('| time to resolve | 30 min | — |');
    expect(md).toContain('Times count from the re-opening (2026-12-04T22:30:00Z), as the response target does.');
    expect(md).toContain('- Earlier: opened 2026-12-04T18:00:00Z, resolved 2026-12-04T18:30:00Z (30 min to resolve).');
  });

  it('does not read an earlier opening\'s answers as the re-opened incident\'s while it is still open', () => {
    const reopenedAt = OPENED + 270 * MIN;
    const md = review({
      incident: incident({ state: 'triggered', reopened: 1, responseFrom: reopenedAt, responseDueAt: reopenedAt + 15 * MIN }),
      timeline: [status('acknowledged', OPENED + 3 * MIN), status('mitigated', OPENED + 10 * MIN), status('resolved', OPENED + 30 * MIN)],
    });
    expect(row(md, 'time to acknowledge')).toBe('| time to acknowledge | — | 15m, due 2026-12-04T22:45:00Z |');
    expect(row(md, 'time to mitigate')).toBe('| time to mitigate | — | — |');
    expect(row(md, 'time to resolve')).toBe('| time to resolve | — | — |');
  });

  it('counts from the release of a held page, and from the opening otherwise, and says which', () => {
    const released = OPENED + 60 * MIN;
    const release: TimelineEntry = { id: 'tl-rel', incidentId: 'inc_1', at: released, kind: 'suppressed', actor: 'system:incidents', text: 'window ended', data: { released: true } };
    const held = review({ incident: incident({ responseFrom: released, resolvedAt: released + 20 * MIN }), timeline: [release] });
    expect(row(held, 'time to resolve')).toBe('| time to resolve | 20 min | — |');
    expect(held).toContain('Times count from the release of its held page (2026-12-04T19:00:00Z), as the response target does.');
    const plain = review({ incident: incident({ resolvedAt: OPENED + 20 * MIN }) });
    expect(plain).toContain('Times count from the opening (2026-12-04T18:00:00Z), as the response target does.');
  });
});
