import { Temporal } from 'temporal-polyfill';
import type { Weekday } from '../oncall/types.js';
import type { BusinessHours, ResponseTarget } from './types.js';

const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
// A calendar with no business day at all is refused by config; this bounds the search anyway.
const MAX_DAYS = 400;

function isBusinessDay(date: Temporal.PlainDate, bh: BusinessHours): boolean {
  return bh.days.includes(WEEKDAYS[date.dayOfWeek - 1]!) && !bh.holidays.includes(date.toString());
}

function localInstant(date: Temporal.PlainDate, minutes: number, timeZone: string): number {
  const time = new Temporal.PlainTime(Math.floor(minutes / 60), minutes % 60);
  return date.toZonedDateTime({ timeZone, plainTime: time }).epochMilliseconds;
}

function localDate(at: number, timeZone: string): Temporal.PlainDate {
  return Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(timeZone).toPlainDate();
}

/**
 * "Next business day": the opening of business hours on the first business day after the local day
 * `at` falls on. An incident opened on Friday evening, Saturday or Sunday is due Monday at opening.
 */
export function nextBusinessDayStart(at: number, bh: BusinessHours): number {
  let date = localDate(at, bh.timeZone);
  for (let i = 0; i < MAX_DAYS; i++) {
    date = date.add({ days: 1 });
    if (isBusinessDay(date, bh)) return localInstant(date, bh.startMinutes, bh.timeZone);
  }
  throw new Error(`business hours ${bh.id} have no business day within ${MAX_DAYS} days`);
}

/** Whether `at` falls inside the calendar's business hours (a business day, between opening and closing). */
export function isBusinessTime(at: number, bh: BusinessHours): boolean {
  const local = Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(bh.timeZone);
  if (!isBusinessDay(local.toPlainDate(), bh)) return false;
  const minutes = local.hour * 60 + local.minute;
  return minutes >= bh.startMinutes && minutes < bh.endMinutes;
}

/** `at` plus `ms` of business time: the clock only runs inside business hours. */
export function addBusinessTime(at: number, ms: number, bh: BusinessHours): number {
  let remaining = ms;
  let date = localDate(at, bh.timeZone);
  for (let i = 0; i < MAX_DAYS; i++, date = date.add({ days: 1 })) {
    if (!isBusinessDay(date, bh)) continue;
    const open = localInstant(date, bh.startMinutes, bh.timeZone);
    const close = localInstant(date, bh.endMinutes, bh.timeZone);
    if (at >= close) continue;
    const from = Math.max(at, open);
    if (remaining <= close - from) return from + remaining;
    remaining -= close - from;
  }
  throw new Error(`business hours ${bh.id} have no business day within ${MAX_DAYS} days`);
}

/** When a response is due for an incident opened at `openedAt`, or undefined without a calendar to read. */
export function responseDueAt(
  target: ResponseTarget,
  openedAt: number,
  calendars: ReadonlyMap<string, BusinessHours>,
): number | undefined {
  const calendar = (id: string | undefined): BusinessHours | undefined =>
    id !== undefined ? calendars.get(id) : calendars.get('default') ?? calendars.values().next().value;
  if (target.kind === 'duration') {
    if (target.businessHours === undefined) return openedAt + target.ms;
    const bh = calendar(target.businessHours);
    return bh ? addBusinessTime(openedAt, target.ms, bh) : undefined;
  }
  const bh = calendar(target.businessHours) ?? DEFAULT_BUSINESS_HOURS;
  return nextBusinessDayStart(openedAt, bh);
}

/** Monday to Friday, 09:00–17:00 UTC: used by "next business day" when no calendar is configured. */
export const DEFAULT_BUSINESS_HOURS: BusinessHours = {
  id: 'default',
  timeZone: 'UTC',
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  startMinutes: 9 * 60,
  endMinutes: 17 * 60,
  holidays: [],
};
