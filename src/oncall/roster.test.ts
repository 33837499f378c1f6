import { describe, expect, it } from 'vitest';
import { dailyRoster } from './roster.js';
import { whoIsOnCall } from './schedule.js';
import { at, scheduleFromConfig } from './test-support.js';

// A daily rotation with its handoff at 09:00 Berlin time, across the spring DST change (29 March 2026).
const schedule = scheduleFromConfig({
  time_zone: 'Europe/Berlin',
  layers: [{ name: 'Primary', users: ['ann', 'bob'], rotation: { length: '1d', handoff: '09:00', start: '2026-03-23' } }],
  overrides: [{ user: 'eve', start: '2026-03-30T12:00', end: '2026-03-30T14:00' }],
});

describe('dailyRoster', () => {
  const days = dailyRoster(schedule, at('2026-03-27T15:00:00+01:00'), 14);

  it('gives 14 local days from the day `from` falls on, the DST day 23 hours long', () => {
    expect(days).toHaveLength(14);
    expect(days[0]!.date).toBe('2026-03-27');
    expect(days[13]!.date).toBe('2026-04-09');
    const dst = days.find((d) => d.date === '2026-03-29')!;
    expect(dst.end - dst.start).toBe(23 * 3_600_000);
  });

  it('covers each day with the shifts clipped to it, handoffs at 09:00 local and the override in between', () => {
    for (const d of days) {
      expect(d.shifts[0]!.start).toBe(d.start);
      expect(d.shifts.at(-1)!.end).toBe(d.end);
      for (const s of d.shifts) expect(whoIsOnCall(schedule, s.start)?.user).toBe(s.user);
    }
    const monday = days.find((d) => d.date === '2026-03-30')!;
    expect(monday.shifts.map((s) => [s.user, new Date(s.start).toISOString().slice(11, 16)])).toEqual([
      [whoIsOnCall(schedule, monday.start)!.user, '22:00'],
      [whoIsOnCall(schedule, at('2026-03-30T09:00:00+02:00'))!.user, '07:00'],
      ['eve', '10:00'],
      [whoIsOnCall(schedule, at('2026-03-30T14:00:00+02:00'))!.user, '12:00'],
    ]);
  });
});
