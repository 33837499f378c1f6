import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { restrictionWindows } from './restrictions.js';
import { rotationShiftsBetween } from './rotation.js';
import { layerOnCallAt, shiftsBetween, whoIsOnCall } from './schedule.js';
import type { Layer, OnCall, Restriction, Schedule } from './types.js';
import { wallToPlain } from './zoned-time.js';

// Real zones with DST, including odd ones: a 30-minute change (Lord Howe), a 2-hour change (Troll),
// midnight changes (Havana, Santiago), southern hemisphere, and "negative" DST (Dublin).
const ZONES = [
  'America/New_York', 'America/Los_Angeles', 'Europe/Berlin', 'Europe/London', 'Europe/Dublin',
  'Australia/Sydney', 'Australia/Lord_Howe', 'Pacific/Auckland', 'America/Santiago', 'America/Havana',
  'Antarctica/Troll', 'America/Nuuk', 'Asia/Jerusalem',
];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RUNS = 1000;

const lengthArb = fc.oneof(
  fc.integer({ min: 1, max: 48 }).map((h) => h * HOUR),
  fc.integer({ min: 1, max: 14 }).map((d) => d * DAY),
  fc.integer({ min: 1, max: 4 }).map((w) => 7 * w * DAY),
  fc.integer({ min: 4, max: 200 }).map((q) => q * 15 * 60_000),
);

const rotationArb = fc.record({
  zone: fc.constantFrom(...ZONES),
  lengthMs: lengthArb,
  handoffMinutes: fc.integer({ min: 0, max: 1439 }),
  users: fc.integer({ min: 1, max: 5 }),
  // An instant in 2024–2027 near which to look for a DST change, and how long before it the rotation began.
  base: fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2028, 0, 1) }),
  backDays: fc.integer({ min: 0, max: 400 }),
  samples: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 8 }),
});

type RotationCase = fc.Arbitrary<typeof rotationArb extends fc.Arbitrary<infer T> ? T : never>;

/** The next DST change after `base` in the zone, or `base` itself if the zone has none. */
function nextTransition(zone: string, base: number): number {
  const t = Temporal.Instant.fromEpochMilliseconds(base).toZonedDateTimeISO(zone).getTimeZoneTransition('next');
  return t ? t.epochMilliseconds : base;
}

function localDate(at: number, zone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(zone).toPlainDate().toString();
}

/**
 * A layer whose rotation began before a window around a DST change: ±3 shifts unless `halfWindow`
 * says otherwise (kept to days where hourly layers or daily windows would make hundreds of points).
 */
function setup(c: Parameters<Parameters<RotationCase['map']>[0]>[0], restrictions?: Restriction[], halfWindow = 3 * c.lengthMs) {
  const transition = nextTransition(c.zone, c.base);
  const from = transition - halfWindow;
  const to = transition + halfWindow;
  const layer: Layer = {
    name: 'Layer 1',
    users: Array.from({ length: c.users }, (_, i) => `u${i}`),
    rotation: { lengthMs: c.lengthMs, handoffMinutes: c.handoffMinutes, start: localDate(from - c.backDays * DAY - 2 * DAY, c.zone) },
    ...(restrictions ? { restrictions } : {}),
  };
  return { layer, from, to, transition };
}

/** Local wall time exists exactly (not skipped) in the zone → its earliest instant, else undefined. */
function existingInstant(wall: number, zone: string): number | undefined {
  const plain = wallToPlain(wall);
  const zdt = plain.toZonedDateTime(zone, { disambiguation: 'earlier' });
  return Temporal.PlainDateTime.compare(zdt.toPlainDateTime(), plain) === 0 ? zdt.epochMilliseconds : undefined;
}

describe('rotations (property)', () => {
  it('shifts tile time with no gap or overlap: exactly one person per layer at every instant', () => {
    fc.assert(
      fc.property(rotationArb, (c) => {
        const { layer, from, to, transition } = setup(c);
        const shifts = rotationShiftsBetween(layer, c.zone, from, to);
        // Problems are collected and asserted once: an expect() per sampled instant costs more than the work.
        const problems: string[] = [];
        if (shifts[0]!.start > from || shifts.at(-1)!.end < to) problems.push('shifts do not cover the window');
        shifts.forEach((s, i) => {
          if (s.end <= s.start) problems.push(`shift ${s.index} is empty`);
          if (s.user !== layer.users[s.index % c.users]) problems.push(`shift ${s.index} has ${s.user}`);
          if (i > 0 && s.start !== shifts[i - 1]!.end) problems.push(`gap or overlap before shift ${s.index}`);
        });
        const instants = [transition - 1, transition, ...c.samples.map((f) => Math.floor(from + f * (to - from)))];
        for (const s of shifts) instants.push(s.start, s.start - 1, s.end - 1);
        for (const t of instants.filter((x) => x >= from && x < to)) {
          const covering = shifts.filter((s) => s.start <= t && t < s.end);
          if (covering.length !== 1) problems.push(`${covering.length} shifts cover ${t}`);
          else if (layerOnCallAt(layer, c.zone, t)?.index !== covering[0]!.index) problems.push(`layerOnCallAt(${t}) is not shift ${covering[0]!.index}`);
        }
        expect(problems).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('every shift keeps its configured local length across DST', () => {
    fc.assert(
      fc.property(rotationArb, (c) => {
        const { layer, from, to } = setup(c);
        const problems: string[] = [];
        const local = (at: number) => Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(c.zone);
        for (const s of rotationShiftsBetween(layer, c.zone, from, to)) {
          if (s.endWall - s.startWall !== c.lengthMs) problems.push(`shift ${s.index}: nominal length ${s.endWall - s.startWall}`);
          const start = existingInstant(s.startWall, c.zone);
          const end = existingInstant(s.endWall, c.zone);
          // A handoff time that exists happens at that local time; one skipped by a jump happens at the jump.
          if (start !== undefined ? s.start !== start : local(s.start + 1).getTimeZoneTransition('previous')?.epochMilliseconds !== s.start) {
            problems.push(`shift ${s.index} starts at ${s.start}`);
          }
          if (start === undefined || end === undefined) continue;
          // Local length measured by Temporal on the two local date-times equals the configured one…
          const length = local(s.end).toPlainDateTime().since(local(s.start).toPlainDateTime()).total('milliseconds');
          if (length !== c.lengthMs) problems.push(`shift ${s.index}: local length ${length}`);
          // …and a whole-day length is Temporal's own calendar-day arithmetic in the zone.
          if (c.lengthMs % DAY === 0 && local(s.start).add({ days: c.lengthMs / DAY }).epochMilliseconds !== s.end) {
            problems.push(`shift ${s.index}: ends at ${s.end}, not ${c.lengthMs / DAY} calendar days later`);
          }
        }
        expect(problems).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('with restrictions: exactly one person inside a window, nobody outside', () => {
    const restrictionArb = fc.record({
      days: fc.option(fc.subarray(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const, { minLength: 1 }), { nil: undefined }),
      startMinutes: fc.integer({ min: 0, max: 1439 }),
      endMinutes: fc.integer({ min: 0, max: 1439 }),
    });
    fc.assert(
      fc.property(rotationArb, fc.array(restrictionArb, { minLength: 1, maxLength: 2 }), (c, rs) => {
        const restrictions: Restriction[] = rs.map((r) => ({ ...(r.days ? { days: [...r.days] } : {}), startMinutes: r.startMinutes, endMinutes: r.endMinutes }));
        const { layer, from, to } = setup(c, restrictions, Math.min(3 * c.lengthMs, 4 * DAY));
        const windows = restrictionWindows(restrictions, c.zone, from, to);
        const shifts = rotationShiftsBetween(layer, c.zone, from, to);
        const instants = c.samples.map((f) => Math.floor(from + f * (to - from)));
        for (const w of windows) instants.push(w.start, w.start - 1, w.end - 1, w.end);
        const problems: number[] = [];
        for (const t of instants.filter((x) => x >= from && x < to)) {
          const inside = windows.some((w) => w.start <= t && t < w.end);
          const who = layerOnCallAt(layer, c.zone, t);
          const want = inside ? shifts.find((s) => s.start <= t && t < s.end) : undefined;
          if (who?.index !== want?.index || (inside && !who)) problems.push(t);
        }
        expect(problems).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('schedules with layers and overrides (property)', () => {
  const overrideArb = fc.record({
    user: fc.constantFrom('ov1', 'ov2', 'ov3'),
    start: fc.double({ min: 0, max: 1, noNaN: true }),
    span: fc.double({ min: 0.001, max: 0.5, noNaN: true }),
    layer: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
  });

  it('overrides win in their range, later layers over earlier ones, and shiftsBetween agrees', () => {
    fc.assert(
      fc.property(fc.array(rotationArb, { minLength: 1, maxLength: 3 }), fc.array(overrideArb, { maxLength: 4 }), (cases, ovs) => {
        const zone = cases[0]!.zone;
        const halfWindow = Math.min(4 * DAY, ...cases.map((c) => 3 * c.lengthMs));
        const built = cases.map((c) => setup({ ...c, zone, base: cases[0]!.base }, undefined, halfWindow));
        const { from, to } = built[0]!;
        const span = to - from;
        const schedule: Schedule = {
          id: 's',
          timeZone: zone,
          layers: built.map((b, i) => ({ ...b.layer, name: `L${i}`, users: b.layer.users.map((u) => `${u}@${i}`) })),
          overrides: ovs.map((o) => ({
            user: o.user,
            start: Math.floor(from + o.start * span),
            end: Math.floor(from + o.start * span + o.span * span),
            ...(o.layer !== undefined && o.layer < cases.length ? { layer: o.layer } : {}),
          })),
        };
        // The precedence rules, written out plainly.
        const expected = (t: number): OnCall | undefined => {
          const covering = (layer: number | undefined) => schedule.overrides.map((o, i) => ({ o, i })).filter(({ o }) => o.layer === layer && o.start <= t && t < o.end).at(-1);
          const top = covering(undefined);
          if (top) return { user: top.o.user, override: top.i };
          for (let i = schedule.layers.length - 1; i >= 0; i--) {
            const o = covering(i);
            if (o) return { user: o.o.user, layer: i, override: o.i };
            const shift = layerOnCallAt(schedule.layers[i]!, zone, t);
            if (shift) return { user: shift.user, layer: i };
          }
          return undefined;
        };
        const stretches = shiftsBetween(schedule, from, to);
        const instants = cases[0]!.samples.map((f) => Math.floor(from + f * span));
        for (const o of schedule.overrides) instants.push(o.start, o.end - 1, o.end);
        for (const s of stretches) instants.push(s.start, s.end - 1);
        const problems: string[] = [];
        const key = (o: OnCall | undefined) => (o ? `${o.user}/${o.layer}/${o.override}` : 'nobody');
        for (const t of instants.filter((x) => x >= from && x < to)) {
          const want = key(expected(t));
          const got = key(whoIsOnCall(schedule, t));
          const stretch = stretches.filter((s) => s.start <= t && t < s.end);
          const listed = stretch.length === 1 ? key(stretch[0]) : stretch.length === 0 ? 'nobody' : 'overlap';
          if (got !== want || listed !== want) problems.push(`at ${t}: want ${want}, whoIsOnCall ${got}, shiftsBetween ${listed}`);
        }
        expect(problems).toEqual([]);
        stretches.forEach((s, i) => {
          expect(s.end).toBeGreaterThan(s.start);
          if (i > 0) expect(s.start).toBeGreaterThanOrEqual(stretches[i - 1]!.end);
        });
      }),
      { numRuns: RUNS },
    );
  });
});
