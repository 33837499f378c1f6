import { describe, expect, it } from 'vitest';
import { layerShiftsBetween, onCallPerLayer, shiftsBetween, whoIsOnCall } from './schedule.js';
import { at, scheduleFromConfig } from './test-support.js';

// Seed 004: "Primary: 24/7 coverage; Secondary: backup" — here a weekly 24/7 layer and a
// business-hours layer on top of it, in Europe/Berlin.
const schedule = scheduleFromConfig({
  time_zone: 'Europe/Berlin',
  layers: [
    { name: 'Primary', users: ['ann', 'bob'], rotation: { length: '1w', handoff: '09:00', start: '2026-03-02' } },
    {
      name: 'Business hours',
      users: ['cem', 'dan'],
      rotation: { length: '1d', handoff: '00:00', start: '2026-03-02' },
      restrictions: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }],
    },
  ],
  overrides: [
    { user: 'eve', start: '2026-03-04T12:00', end: '2026-03-04T14:00' },
    { user: 'fay', start: '2026-03-05T00:00', end: '2026-03-06T00:00', layer: 'Primary' },
    { user: 'gus', start: '2026-03-04T13:00', end: '2026-03-04T13:30' },
  ],
});

describe('layers and restrictions', () => {
  it('the later layer wins inside its window; the earlier one covers the rest', () => {
    // Monday 2 March: Primary ann all week; Business hours cem on Monday (day shift 0).
    expect(whoIsOnCall(schedule, at('2026-03-02T10:00:00+01:00'))).toEqual({ user: 'cem', layer: 1 });
    expect(whoIsOnCall(schedule, at('2026-03-02T17:00:00+01:00'))).toEqual({ user: 'ann', layer: 0 });
    expect(whoIsOnCall(schedule, at('2026-03-02T08:59:59+01:00'))).toBeUndefined(); // before Primary starts
    // Saturday: no business-hours window.
    expect(whoIsOnCall(schedule, at('2026-03-07T11:00:00+01:00'))).toEqual({ user: 'ann', layer: 0 });
  });

  it('reports each layer separately, nobody on a restricted layer outside its window', () => {
    expect(onCallPerLayer(schedule, at('2026-03-03T20:00:00+01:00'))).toEqual([{ user: 'ann', layer: 0 }, undefined]);
    expect(onCallPerLayer(schedule, at('2026-03-03T09:30:00+01:00'))).toEqual([
      { user: 'ann', layer: 0 },
      { user: 'dan', layer: 1 },
    ]);
  });
});

describe('overrides', () => {
  it('a schedule-wide override beats every layer; the later listed of two overlapping wins', () => {
    expect(whoIsOnCall(schedule, at('2026-03-04T12:30:00+01:00'))).toEqual({ user: 'eve', override: 0 });
    expect(whoIsOnCall(schedule, at('2026-03-04T13:10:00+01:00'))).toEqual({ user: 'gus', override: 2 });
    expect(whoIsOnCall(schedule, at('2026-03-04T14:00:00+01:00'))).toEqual({ user: 'cem', layer: 1 });
  });

  it('a layer override replaces that layer only; a later layer still wins over it', () => {
    expect(whoIsOnCall(schedule, at('2026-03-05T08:00:00+01:00'))).toEqual({ user: 'fay', layer: 0, override: 1 });
    expect(whoIsOnCall(schedule, at('2026-03-05T10:00:00+01:00'))).toEqual({ user: 'dan', layer: 1 });
  });
});

describe('shiftsBetween', () => {
  it('lists the final schedule as stretches of one person each', () => {
    const stretches = shiftsBetween(schedule, at('2026-03-04T08:00:00+01:00'), at('2026-03-04T18:00:00+01:00'));
    expect(stretches.map((s) => [s.user, new Date(s.start).toISOString()])).toEqual([
      ['ann', '2026-03-04T07:00:00.000Z'],
      ['cem', '2026-03-04T08:00:00.000Z'],
      ['eve', '2026-03-04T11:00:00.000Z'],
      ['gus', '2026-03-04T12:00:00.000Z'],
      ['eve', '2026-03-04T12:30:00.000Z'],
      ['cem', '2026-03-04T13:00:00.000Z'],
      ['ann', '2026-03-04T16:00:00.000Z'],
    ]);
    expect(stretches.at(-1)!.end).toBe(at('2026-03-04T18:00:00+01:00'));
  });

  it('lists one layer’s handoffs with its layer overrides', () => {
    const primary = layerShiftsBetween(schedule, 0, at('2026-03-04T00:00:00+01:00'), at('2026-03-10T00:00:00+01:00'));
    expect(primary.map((s) => [s.user, new Date(s.start).toISOString()])).toEqual([
      ['ann', '2026-03-03T23:00:00.000Z'],
      ['fay', '2026-03-04T23:00:00.000Z'],
      ['ann', '2026-03-05T23:00:00.000Z'],
      ['bob', '2026-03-09T08:00:00.000Z'],
    ]);
  });
});
