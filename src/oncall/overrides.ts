import { OpsbookError } from '../lib/errors/index.js';
import { shiftsBetween } from './schedule.js';
import type { Override, Schedule } from './types.js';
import { formatInZone, parseInstant } from './zoned-time.js';

/** The longest override one request may create: a swap or a cover, not a new rotation. */
export const MAX_OVERRIDE_MS = 92 * 86_400_000;
export const MAX_REASON_CHARS = 500;

/** A stored override as the schedule logic reads it. */
export interface StoredOverride {
  id: string;
  schedule: string;
  user: string;
  covers?: string;
  start: number;
  end: number;
  reason: string;
  swap?: string;
  createdBy: string;
  createdAt: number;
}

/**
 * The schedules with the overrides people made at runtime added after the config's: schedule-wide
 * overrides that beat every layer (a swap is two of them). Creation refuses overlaps, so their order
 * among themselves does not matter.
 */
export function withStoredOverrides(schedules: readonly Schedule[], stored: readonly StoredOverride[]): Schedule[] {
  if (stored.length === 0) return [...schedules];
  return schedules.map((s) => {
    const mine = stored.filter((o) => o.schedule === s.id);
    if (mine.length === 0) return s;
    const extra: Override[] = mine.map((o) => ({
      user: o.user,
      start: o.start,
      end: o.end,
      id: o.id,
      reason: o.reason,
      ...(o.covers !== undefined ? { covers: o.covers } : {}),
      ...(o.swap !== undefined ? { swap: o.swap } : {}),
    }));
    return { ...s, overrides: [...s.overrides, ...extra] };
  });
}

/** One half of an override request as typed: who covers whom, from–to (with offset or local to the schedule). */
export interface OverrideRequest {
  user: string;
  covers?: string;
  start: string;
  end: string;
}

/** Names the place a field came from: `body.start` for the API, `--start` for the CLI. */
export type FieldPath = (field: string) => string;

function invalid(message: string, path: string): OpsbookError {
  return new OpsbookError('OPSBOOK_E_OVERRIDE_INVALID', message, { location: { path } });
}

export function checkReason(reason: string | undefined, at: FieldPath): string {
  const text = (reason ?? '').trim();
  if (text.length === 0) throw invalid('say why (reason): it goes into the audit log and the calendar', at('reason'));
  if (text.length > MAX_REASON_CHARS) throw invalid(`a reason is at most ${MAX_REASON_CHARS} characters (this one has ${text.length})`, at('reason'));
  return text;
}

/**
 * Checks one override against the schedule as it stands and returns its range: known people, a
 * covered person who is on the schedule and on call somewhere in the range, an end after the
 * start and after now, no overlap with another schedule-wide override.
 */
export function checkOverride(
  schedule: Schedule,
  knownUsers: ReadonlySet<string>,
  req: OverrideRequest,
  now: number,
  at: FieldPath,
): { start: number; end: number } {
  const tz = schedule.timeZone;
  if (!knownUsers.has(req.user)) throw invalid(`no user "${req.user}" in users:`, at('user'));
  if (req.covers !== undefined) {
    if (!knownUsers.has(req.covers)) throw invalid(`no user "${req.covers}" in users:`, at('covers'));
    if (req.covers === req.user) throw invalid(`${req.user} cannot cover their own shift`, at('covers'));
    if (!schedule.layers.some((l) => l.users.includes(req.covers!))) {
      throw invalid(`${req.covers} is not on schedule ${schedule.id} (its people: ${[...new Set(schedule.layers.flatMap((l) => l.users))].join(', ')})`, at('covers'));
    }
  }
  const start = parseInstant(req.start, tz);
  if (start === undefined) throw invalid(`must be a date-time such as 2026-03-10T09:00 (local to ${tz}) or with an offset (got "${req.start}")`, at('start'));
  const end = parseInstant(req.end, tz);
  if (end === undefined) throw invalid(`must be a date-time such as 2026-03-10T17:00 (local to ${tz}) or with an offset (got "${req.end}")`, at('end'));
  if (end <= start) throw invalid(`must be after start (${formatInZone(start, tz)} ${tz}); got ${formatInZone(end, tz)}`, at('end'));
  if (end <= now) throw invalid(`is in the past (${formatInZone(end, tz)} ${tz}); an override changes who is on call from now on`, at('end'));
  if (end - start > MAX_OVERRIDE_MS) throw invalid(`an override lasts at most ${MAX_OVERRIDE_MS / 86_400_000} days; change the rotation in the config for longer`, at('end'));
  if (req.covers !== undefined && !shiftsBetween(schedule, start, end, 500).some((s) => s.user === req.covers)) {
    throw invalid(`${req.covers} is not on call in ${schedule.id} between ${formatInZone(start, tz)} and ${formatInZone(end, tz)} (${tz}), so there is no shift to cover`, at('covers'));
  }
  const clash = schedule.overrides.find((o) => o.layer === undefined && o.start < end && start < o.end);
  if (clash) {
    const which = clash.id ? `override ${clash.id}` : 'an override in the config';
    throw new OpsbookError('OPSBOOK_E_OVERRIDE_OVERLAP', `overlaps ${which} (${clash.user}, ${formatInZone(clash.start, tz)} – ${formatInZone(clash.end, tz)} ${tz}); delete it first or pick another range`, { location: { path: at('start') } });
  }
  return { start, end };
}
