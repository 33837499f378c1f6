import type { Restriction, Weekday } from './types.js';
import { instantToWall, wallDayStart, wallToInstant, wallWeekday } from './zoned-time.js';

export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export interface Interval {
  start: number;
  end: number;
}

/** The window a restriction opens on the local day starting at `day` (wall ms), if it opens that day. */
function windowOnDay(r: Restriction, day: number, timeZone: string): Interval | undefined {
  if (r.days && !r.days.includes(WEEKDAYS[wallWeekday(day)]!)) return undefined;
  const endDay = r.endMinutes <= r.startMinutes ? day + DAY_MS : day;
  const start = wallToInstant(day + r.startMinutes * MINUTE_MS, timeZone);
  const end = wallToInstant(endDay + r.endMinutes * MINUTE_MS, timeZone);
  return end > start ? { start, end } : undefined;
}

/** True when `at` lies inside one of the windows (or there are none: no restriction). */
export function withinRestrictions(restrictions: Restriction[] | undefined, timeZone: string, at: number): boolean {
  if (!restrictions || restrictions.length === 0) return true;
  const today = wallDayStart(instantToWall(at, timeZone));
  // A window can start the day before (crossing midnight); a DST jump moves a day by at most hours.
  for (const day of [today - DAY_MS, today, today + DAY_MS]) {
    for (const r of restrictions) {
      const w = windowOnDay(r, day, timeZone);
      if (w && w.start <= at && at < w.end) return true;
    }
  }
  return false;
}

/** The restriction windows overlapping [from, to), merged and in order. */
export function restrictionWindows(
  restrictions: Restriction[],
  timeZone: string,
  from: number,
  to: number,
): Interval[] {
  const first = wallDayStart(instantToWall(from, timeZone)) - DAY_MS;
  const last = wallDayStart(instantToWall(to, timeZone)) + DAY_MS;
  const windows: Interval[] = [];
  for (let day = first; day <= last; day += DAY_MS) {
    for (const r of restrictions) {
      const w = windowOnDay(r, day, timeZone);
      if (w && w.end > from && w.start < to) windows.push(w);
    }
  }
  windows.sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const w of windows) {
    const prev = merged[merged.length - 1];
    if (prev && w.start <= prev.end) prev.end = Math.max(prev.end, w.end);
    else merged.push({ ...w });
  }
  return merged;
}
