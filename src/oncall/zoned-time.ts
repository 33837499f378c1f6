import { Temporal } from 'temporal-polyfill';

/**
 * Local wall-clock time as a number: the local date and time read as if they were UTC, in ms.
 * It is a plain calendar number line (no zone, no DST), so "add one day" is "+86 400 000" and the
 * difference of two values is their wall-clock distance. Zone rules live only in the two
 * conversions below, which use Temporal.
 */
export type WallMs = number;

const DAY_MS = 86_400_000;

/** The canonical IANA name (`europe/berlin` → `Europe/Berlin`), or undefined when it is not a zone. */
export function canonicalTimeZone(name: string): string | undefined {
  if (name.trim() === '') return undefined;
  try {
    return Temporal.ZonedDateTime.from({ timeZone: name, year: 2000, month: 1, day: 1 }).timeZoneId;
  } catch {
    return undefined;
  }
}

/** The local wall clock in `timeZone` at instant `at`. */
export function instantToWall(at: number, timeZone: string): WallMs {
  return at + offsetPeriod(at, timeZone).offsetMs;
}

/** A stretch of real time between two of a zone's transitions, over which its UTC offset is fixed. */
interface OffsetPeriod {
  start: number;
  end: number;
  offsetMs: number;
}

// Asking Temporal for an offset costs ~20 µs; a zone keeps one offset for months, so the periods
// between transitions that Temporal reports are kept and searched first (a few per zone in use).
const periodCache = new Map<string, OffsetPeriod[]>();
const PERIODS_PER_ZONE = 64;

function offsetPeriod(at: number, timeZone: string): OffsetPeriod {
  let periods = periodCache.get(timeZone);
  if (!periods) periodCache.set(timeZone, (periods = []));
  for (const p of periods) if (p.start <= at && at < p.end) return p;
  const zdt = Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(timeZone);
  // `previous` is strictly before its argument, so ask from just after `at`: a transition at `at` counts.
  const prev = Temporal.Instant.fromEpochMilliseconds(at + 1).toZonedDateTimeISO(timeZone).getTimeZoneTransition('previous');
  const next = zdt.getTimeZoneTransition('next');
  const period = {
    start: prev ? prev.epochMilliseconds : -Infinity,
    end: next ? next.epochMilliseconds : Infinity,
    offsetMs: zdt.offsetNanoseconds / 1e6,
  };
  if (periods.length >= PERIODS_PER_ZONE) periods.length = 0;
  periods.push(period);
  return period;
}

/**
 * The first instant at which the local clock in `timeZone` reads `wall` or later.
 *
 * This one rule covers the three cases a handoff can meet: a time that exists once maps to that
 * instant; a time repeated when clocks go back maps to its first occurrence; a time skipped when
 * clocks go forward maps to the instant of the jump. It never decreases as `wall` increases, so
 * shift boundaries derived from it never cross and every instant lies in exactly one shift.
 */
export function wallToInstant(wall: WallMs, timeZone: string): number {
  const key = `${timeZone} ${wall}`;
  const hit = boundaryCache.get(key);
  if (hit !== undefined) return hit;
  if (boundaryCache.size >= BOUNDARY_CACHE_SIZE) boundaryCache.clear();
  const at = resolveWall(wall, timeZone);
  boundaryCache.set(key, at);
  return at;
}

// Shift lookups resolve the same few handoff times again and again (the rotation's first handoff,
// the shifts either side of now); a Temporal conversion costs tens of microseconds, a lookup far less.
const BOUNDARY_CACHE_SIZE = 8192;
const boundaryCache = new Map<string, number>();

function resolveWall(wall: WallMs, timeZone: string): number {
  const pdt = wallToPlain(wall);
  const earlier = pdt.toZonedDateTime(timeZone, { disambiguation: 'earlier' });
  if (Temporal.PlainDateTime.compare(earlier.toPlainDateTime(), pdt) === 0) return earlier.epochMilliseconds;
  // Skipped by a forward jump: `earlier` lies before the jump; the jump is its next transition.
  const jump = earlier.getTimeZoneTransition('next');
  return jump ? jump.epochMilliseconds : earlier.epochMilliseconds;
}

export function wallToPlain(wall: WallMs): Temporal.PlainDateTime {
  const d = new Date(wall);
  return new Temporal.PlainDateTime(
    d.getUTCFullYear(),
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

/** A validated `YYYY-MM-DD` (see isIsoDate) + minutes after midnight → wall ms. */
export function dateToWall(date: string, minutes = 0): WallMs {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = new Date(0).setUTCFullYear(y, m - 1, d);
  return wall + minutes * 60_000;
}

/** Start of the local calendar day that `wall` falls in. */
export function wallDayStart(wall: WallMs): WallMs {
  return Math.floor(wall / DAY_MS) * DAY_MS;
}

/** Day of week of a wall value, 0 = Monday … 6 = Sunday (ISO order). */
export function wallWeekday(wall: WallMs): number {
  return (new Date(wall).getUTCDay() + 6) % 7;
}

/** `HH:MM` (24-hour) → minutes after midnight, or undefined. */
export function parseClockTime(text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

export function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  try {
    Temporal.PlainDate.from(text, { overflow: 'reject' });
    return true;
  } catch {
    return false;
  }
}

/**
 * An instant written in config or on the command line: with an offset or `Z` it is exact
 * (`2026-03-08T09:00:00Z`, `…+01:00`); without one (`2026-03-08T09:00`, `2026-03-08`) it is read
 * as local time in `timeZone`. Returns undefined when the text is not a date-time.
 */
export function parseInstant(text: string, timeZone: string): number | undefined {
  const s = text.trim();
  try {
    if (/(?:[zZ]|[+-]\d{2}(?::?\d{2})?)(?:\[[^\]]*\])?$/.test(s) && s.includes('T')) {
      return Temporal.Instant.from(s.replace(/\[[^\]]*\]$/, '')).epochMilliseconds;
    }
    const pdt = /^\d{4}-\d{2}-\d{2}$/.test(s)
      ? Temporal.PlainDate.from(s, { overflow: 'reject' }).toPlainDateTime()
      : Temporal.PlainDateTime.from(s, { overflow: 'reject' });
    return wallToInstant(Date.UTC(pdt.year, pdt.month - 1, pdt.day, pdt.hour, pdt.minute, pdt.second, pdt.millisecond), timeZone);
  } catch {
    return undefined;
  }
}

/** ISO text of an instant in a zone, to the minute with offset: `2026-03-08T03:00-04:00`. */
export function formatInZone(at: number, timeZone: string): string {
  const zdt = Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(timeZone);
  return zdt.toString({ smallestUnit: 'minute', timeZoneName: 'never' });
}
