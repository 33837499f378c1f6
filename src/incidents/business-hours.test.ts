import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { businessHoursSection, severitiesSection } from '../config/schema/severities.js';
import { addBusinessTime, nextBusinessDayStart, responseDueAt } from './business-hours.js';
import { DEFAULT_SEVERITIES } from './severity.js';

const [berlin] = businessHoursSection.parse([{ id: 'default', time_zone: 'Europe/Berlin', start: '09:00', end: '17:00', holidays: ['2026-04-06'] }]);
const calendars = new Map([['default', berlin!]]);
const at = (iso: string): number => Date.parse(iso);

describe('next business day targets', () => {
  it('is the next opening after the local day: Friday evening and the weekend are due Monday 09:00', () => {
    // Friday 2026-03-06 18:30 Berlin (17:30 UTC) → Monday 09:00 Berlin (08:00 UTC).
    expect(nextBusinessDayStart(at('2026-03-06T17:30:00Z'), berlin!)).toBe(at('2026-03-09T08:00:00Z'));
    expect(nextBusinessDayStart(at('2026-03-07T10:00:00Z'), berlin!)).toBe(at('2026-03-09T08:00:00Z'));
    expect(nextBusinessDayStart(at('2026-03-08T22:59:00Z'), berlin!)).toBe(at('2026-03-09T08:00:00Z'));
    // Sunday 23:30 Berlin is already Monday local: due Tuesday.
    expect(nextBusinessDayStart(at('2026-03-08T23:30:00Z'), berlin!)).toBe(at('2026-03-10T08:00:00Z'));
  });

  it('skips holidays and follows the zone across the summer-time change', () => {
    // Thursday 2026-04-02 → Friday 04-03 09:00 CEST (07:00 UTC); Friday 04-03 → Tuesday 04-07 (Easter Monday off).
    expect(nextBusinessDayStart(at('2026-04-02T12:00:00Z'), berlin!)).toBe(at('2026-04-03T07:00:00Z'));
    expect(nextBusinessDayStart(at('2026-04-03T12:00:00Z'), berlin!)).toBe(at('2026-04-07T07:00:00Z'));
    // Friday before the change (2026-03-27, CET) → Monday 03-30 09:00 CEST.
    expect(nextBusinessDayStart(at('2026-03-27T12:00:00Z'), berlin!)).toBe(at('2026-03-30T07:00:00Z'));
  });

  it("reads seed 004's P0–P3 ladder: P3 is due the next business day", () => {
    const ladder = severitiesSection.parse([
      { id: 'P0', name: 'Critical', response: '15m' },
      { id: 'P1', name: 'High', response: '1h' },
      { id: 'P2', name: 'Medium', response: '4h', business_hours: 'default' },
      { id: 'P3', name: 'Low', response: 'next_business_day' },
    ]);
    const friday = at('2026-03-06T15:00:00Z'); // 16:00 Berlin
    expect(responseDueAt(ladder[0]!.response, friday, calendars)).toBe(friday + 15 * 60_000);
    // 4 business hours from Friday 16:00: one hour on Friday, three on Monday from 09:00 → 12:00 Berlin.
    expect(responseDueAt(ladder[2]!.response, friday, calendars)).toBe(at('2026-03-09T11:00:00Z'));
    expect(responseDueAt(ladder[3]!.response, friday, calendars)).toBe(at('2026-03-09T08:00:00Z'));
  });

  it('defaults to seed 002’s P1–P4 ladder (15 min, 1 h, 4 h, 24 h)', () => {
    expect(severitiesSection.parse(undefined)).toEqual(DEFAULT_SEVERITIES);
    expect(DEFAULT_SEVERITIES.map((s) => [s.id, s.response])).toEqual([
      ['P1', { kind: 'duration', ms: 900_000 }], ['P2', { kind: 'duration', ms: 3_600_000 }],
      ['P3', { kind: 'duration', ms: 14_400_000 }], ['P4', { kind: 'duration', ms: 86_400_000 }],
    ]);
  });

  it('business time never lands outside business hours and counts exactly (property)', () => {
    const from = at('2026-01-01T00:00:00Z');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 365 * 86_400_000 }), fc.integer({ min: 1, max: 40 * 3_600_000 }), (offset, ms) => {
        const start = from + offset;
        const due = addBusinessTime(start, ms, berlin!);
        expect(due).toBeGreaterThan(start);
        const local = new Date(due + (due >= at('2026-03-29T01:00:00Z') && due < at('2026-10-25T01:00:00Z') ? 2 : 1) * 3_600_000);
        const minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
        expect(minutes).toBeGreaterThanOrEqual(9 * 60);
        expect(minutes).toBeLessThanOrEqual(17 * 60);
        expect([0, 6]).not.toContain(local.getUTCDay());
      }),
      { numRuns: 300 },
    );
  });
});
