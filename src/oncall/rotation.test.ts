import { describe, expect, it } from 'vitest';
import { rotationShiftAt, rotationShiftsBetween } from './rotation.js';
import { layerOnCallAt, whoIsOnCall } from './schedule.js';
import { HOUR, at, scheduleFromConfig } from './test-support.js';

const daily = (timeZone: string, handoff: string, start = '2026-03-01', users = ['ann', 'bob', 'cem']) =>
  scheduleFromConfig({ time_zone: timeZone, layers: [{ users, rotation: { length: '1d', handoff, start } }] });

describe('daily rotation across DST in America/New_York', () => {
  const s = daily('America/New_York', '09:00');
  const layer = s.layers[0]!;

  it('hands off at 09:00 local before and after spring forward, the DST day being 23 real hours', () => {
    // 2026-03-08 02:00 EST → 03:00 EDT. Shift 6 (ann) runs Mar 7 09:00 EST → Mar 8 09:00 EDT.
    const shift = rotationShiftAt(layer, s.timeZone, at('2026-03-08T08:59:00-04:00'))!;
    expect(shift.user).toBe('ann');
    expect(shift.start).toBe(at('2026-03-07T09:00:00-05:00'));
    expect(shift.end).toBe(at('2026-03-08T09:00:00-04:00'));
    expect(shift.end - shift.start).toBe(23 * HOUR);
    expect(whoIsOnCall(s, at('2026-03-08T09:00:00-04:00'))?.user).toBe('bob');
  });

  it('keeps 09:00 after fall back, the shift spanning it lasting 25 real hours', () => {
    // 2026-11-01 02:00 EDT → 01:00 EST.
    const shift = rotationShiftAt(layer, s.timeZone, at('2026-11-01T05:00:00-05:00'))!;
    expect(shift.start).toBe(at('2026-10-31T09:00:00-04:00'));
    expect(shift.end).toBe(at('2026-11-01T09:00:00-05:00'));
    expect(shift.end - shift.start).toBe(25 * HOUR);
  });

  it('has nobody on call before the rotation starts', () => {
    expect(layerOnCallAt(layer, s.timeZone, at('2026-03-01T08:59:59-05:00'))).toBeUndefined();
    expect(layerOnCallAt(layer, s.timeZone, at('2026-03-01T09:00:00-05:00'))?.user).toBe('ann');
  });

  it('hands off at the jump when the handoff time is skipped by spring forward', () => {
    const gap = daily('America/New_York', '02:30');
    const shifts = rotationShiftsBetween(gap.layers[0]!, gap.timeZone, at('2026-03-07T12:00:00-05:00'), at('2026-03-09T12:00:00-04:00'));
    expect(shifts.map((x) => x.start)).toEqual([
      at('2026-03-07T02:30:00-05:00'),
      at('2026-03-08T03:00:00-04:00'), // 02:30 does not exist that day: the clock jumps 02:00 → 03:00
      at('2026-03-09T02:30:00-04:00'),
    ]);
  });

  it('hands off at the first occurrence when the handoff time repeats at fall back', () => {
    const rep = daily('America/New_York', '01:30');
    const shift = rotationShiftAt(rep.layers[0]!, rep.timeZone, at('2026-11-01T01:45:00-05:00'))!;
    expect(shift.start).toBe(at('2026-11-01T01:30:00-04:00'));
    // 01:15 EST (the second 01:15) is after the 01:30 EDT handoff, so it belongs to the new shift too.
    expect(rotationShiftAt(rep.layers[0]!, rep.timeZone, at('2026-11-01T01:15:00-05:00'))!.index).toBe(shift.index);
  });
});

describe('rotations in Europe/Berlin', () => {
  it('a weekly shift spanning spring forward is 167 real hours and keeps its Monday 09:00 handoff', () => {
    const s = scheduleFromConfig({
      time_zone: 'Europe/Berlin',
      layers: [{ users: ['ann', 'bob'], rotation: { length: '1w', handoff: '09:00', start: '2026-03-02' } }],
    });
    // 2026-03-29 02:00 CET → 03:00 CEST, inside the week starting Monday 23 March.
    const shift = rotationShiftAt(s.layers[0]!, s.timeZone, at('2026-03-29T12:00:00+02:00'))!;
    expect(shift.start).toBe(at('2026-03-23T09:00:00+01:00'));
    expect(shift.end).toBe(at('2026-03-30T09:00:00+02:00'));
    expect(shift.end - shift.start).toBe(167 * HOUR);
    expect(shift.user).toBe('bob'); // shifts 0 ann, 1 bob, 2 ann, 3 bob
  });

  it('12-hour shifts stay at 08:00 and 20:00 local across fall back', () => {
    const s = scheduleFromConfig({
      time_zone: 'Europe/Berlin',
      layers: [{ users: ['day', 'night'], rotation: { length: '12h', handoff: '08:00', start: '2026-10-20' } }],
    });
    // 2026-10-25 03:00 CEST → 02:00 CET.
    const shifts = rotationShiftsBetween(s.layers[0]!, s.timeZone, at('2026-10-24T12:00:00+02:00'), at('2026-10-26T07:00:00+01:00'));
    expect(shifts.map((x) => [x.user, x.start, x.end - x.start])).toEqual([
      ['day', at('2026-10-24T08:00:00+02:00'), 12 * HOUR],
      ['night', at('2026-10-24T20:00:00+02:00'), 13 * HOUR],
      ['day', at('2026-10-25T08:00:00+01:00'), 12 * HOUR],
      ['night', at('2026-10-25T20:00:00+01:00'), 12 * HOUR],
    ]);
  });
});
