import { shiftsBetween } from './schedule.js';
import type { Schedule } from './types.js';

/** A person coming on call: their stretch in the final schedule (layers, overrides and swaps applied). */
export interface ShiftStart {
  schedule: string;
  user: string;
  start: number;
}

/** How far past a shift's start its end is looked for (a reminder names the handover when it is this close). */
const END_LOOKAHEAD_MS = 35 * 86_400_000;

/** When the person coming on call at `start` hands over, within END_LOOKAHEAD_MS; undefined past that. */
export function shiftEnd(schedule: Schedule, user: string, start: number): number | undefined {
  let end: number | undefined;
  for (const s of shiftsBetween(schedule, start, start + END_LOOKAHEAD_MS)) {
    if (s.user !== user || (end !== undefined && s.start !== end) || (end === undefined && s.start !== start)) break;
    end = s.end;
  }
  return end === undefined || end >= start + END_LOOKAHEAD_MS ? undefined : end;
}

/**
 * Who comes on call in (from, to]: each instant the final schedule's person changes to someone
 * (after nobody or someone else). Stretches of one person made of several layers or overrides are
 * one shift, so a person already on call is not told again when only the reason changes.
 */
export function shiftStartsBetween(schedule: Schedule, from: number, to: number): ShiftStart[] {
  if (to <= from) return [];
  const out: ShiftStart[] = [];
  let prev: { user: string; end: number } | undefined;
  // One millisecond past `to`, so a shift beginning exactly at `to` is seen.
  for (const s of shiftsBetween(schedule, from, to + 1)) {
    const continues = prev !== undefined && prev.end === s.start && prev.user === s.user;
    if (!continues && s.start > from && s.start <= to) out.push({ schedule: schedule.id, user: s.user, start: s.start });
    prev = { user: s.user, end: s.end };
  }
  return out;
}

/** The reminders due at `now`: shifts beginning within each schedule's `reminderMs` (not yet begun). */
export function dueShiftReminders(schedules: readonly Schedule[], now: number): ShiftStart[] {
  return schedules.flatMap((s) => (s.reminderMs ? shiftStartsBetween(s, now, now + s.reminderMs) : []));
}

/** The next instant after `now` a reminder falls due, looking `horizonMs` ahead; undefined: none in it. */
export function nextShiftReminderAt(schedules: readonly Schedule[], now: number, horizonMs: number): number | undefined {
  let next: number | undefined;
  for (const s of schedules) {
    if (!s.reminderMs) continue;
    const first = shiftStartsBetween(s, now + s.reminderMs, now + s.reminderMs + horizonMs)[0];
    if (first && (next === undefined || first.start - s.reminderMs < next)) next = first.start - s.reminderMs;
  }
  return next;
}
