import { Temporal } from 'temporal-polyfill';
import { shiftsBetween } from './schedule.js';
import type { Schedule, Shift } from './types.js';

/** One local day of a schedule: who is on call during it, each piece clipped to the day. */
export interface RosterDay {
  /** The local date, YYYY-MM-DD in the schedule's time zone. */
  date: string;
  start: number;
  end: number;
  shifts: Shift[];
}

/**
 * The schedule's calendar: `days` local days from the day `from` falls on, each with the shifts that
 * cover it (clipped to the day, overrides included). Days follow the schedule's time zone, so a day
 * across a DST change is 23 or 25 hours long.
 */
export function dailyRoster(schedule: Schedule, from: number, days: number): RosterDay[] {
  const tz = schedule.timeZone;
  let date = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(tz).toPlainDate();
  const out: RosterDay[] = [];
  for (let i = 0; i < days; i++, date = date.add({ days: 1 })) {
    const start = date.toZonedDateTime({ timeZone: tz }).epochMilliseconds;
    const end = date.add({ days: 1 }).toZonedDateTime({ timeZone: tz }).epochMilliseconds;
    const shifts = shiftsBetween(schedule, start, end, 200).map((s) => ({ ...s, start: Math.max(s.start, start), end: Math.min(s.end, end) }));
    out.push({ date: date.toString(), start, end, shifts });
  }
  return out;
}
