import ical, { type ICalCalendar } from 'ical-generator';
import { shiftsBetween } from './schedule.js';
import type { Schedule } from './types.js';

/** How far a feed looks: calendar apps show what is coming, and a little of what was. */
export const FEED_PAST_MS = 7 * 86_400_000;
export const FEED_AHEAD_MS = 56 * 86_400_000;

export interface FeedOptions {
  /** Only this person's shifts (a personal feed over several schedules). */
  user?: string;
  from: number;
  to: number;
  /** The product id's domain part and the events' URL base. */
  publicUrl: string;
}

function overrideNote(schedule: Schedule, index: number | undefined): string {
  if (index === undefined) return '';
  const o = schedule.overrides[index];
  const covers = o?.covers ? `, covering ${o.covers}` : '';
  return o?.reason ? ` (override${covers}: ${o.reason})` : ` (override${covers})`;
}

/**
 * An iCalendar feed of on-call shifts: one event per continuous stretch a person is on call in a
 * schedule (overrides applied), with UTC times, so a calendar in any zone shows them right across
 * daylight-saving changes. The uid names schedule, person and start, so an edit of the schedule
 * moves the same event rather than adding one.
 */
export function shiftCalendar(name: string, schedules: readonly Schedule[], o: FeedOptions): ICalCalendar {
  const cal = ical({ name, prodId: { company: 'opsbook', product: 'oncall', language: 'EN' }, ttl: 15 * 60 });
  for (const schedule of schedules) {
    for (const shift of shiftsBetween(schedule, o.from, o.to)) {
      if (!shift.user || (o.user !== undefined && shift.user !== o.user)) continue;
      cal.createEvent({
        id: `${schedule.id}/${shift.user}/${shift.start}@opsbook`,
        start: new Date(shift.start),
        end: new Date(shift.end),
        summary: o.user !== undefined ? `On call: ${schedule.name ?? schedule.id}` : `${shift.user} on call (${schedule.name ?? schedule.id})`,
        description: `${shift.user} is on call in ${schedule.id}${overrideNote(schedule, shift.override)}.`,
        url: `${o.publicUrl.replace(/\/+$/, '')}/oncall`,
        timezone: null,
      });
    }
  }
  return cal;
}
