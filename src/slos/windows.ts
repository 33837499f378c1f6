import { Temporal } from 'temporal-polyfill';
import type { SloWindow } from './types.js';

export const MINUTE = 60_000;
export const DAY = 86_400_000;

export function floorMinute(at: number): number {
  return Math.floor(at / MINUTE) * MINUTE;
}

/** Start of the calendar month or ISO week (Monday) that contains `at`, in `timeZone`. */
export function calendarStart(at: number, unit: 'month' | 'week', timeZone: string): number {
  const z = Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(timeZone);
  const date = unit === 'month' ? z.toPlainDate().with({ day: 1 }) : z.toPlainDate().subtract({ days: z.dayOfWeek - 1 });
  return date.toZonedDateTime({ timeZone }).epochMilliseconds;
}

/** End of the calendar month or week that starts at `start`. */
export function calendarEnd(start: number, unit: 'month' | 'week', timeZone: string): number {
  const z = Temporal.Instant.fromEpochMilliseconds(start).toZonedDateTimeISO(timeZone);
  return z.add(unit === 'month' ? { months: 1 } : { weeks: 1 }).epochMilliseconds;
}

/** The SLO window that ends at `at`, cut at minute resolution: [from, to). */
export function windowAt(window: SloWindow, at: number): { from: number; to: number } {
  const to = floorMinute(at);
  if (window.kind === 'rolling') return { from: to - window.ms, to };
  return { from: calendarStart(to - 1, window.unit, window.timeZone), to };
}

/**
 * The window's nominal length: what "2 % of the budget" is measured against when a burn rate is
 * turned into a share of the budget (a calendar month counts as 30 days, a week as 7).
 */
export function nominalWindowMs(window: SloWindow): number {
  if (window.kind === 'rolling') return window.ms;
  return window.unit === 'month' ? 30 * DAY : 7 * DAY;
}

export type ReportPeriod = '7d' | '30d' | 'month';

/** A report period ending at `now`: the last 7 or 30 days, or the calendar month so far. */
export function periodBounds(period: ReportPeriod, now: number, timeZone = 'UTC'): { from: number; to: number } {
  const to = floorMinute(now);
  if (period === 'month') return { from: calendarStart(to - 1, 'month', timeZone), to };
  return { from: to - (period === '7d' ? 7 : 30) * DAY, to };
}
