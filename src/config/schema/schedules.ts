import { z } from 'zod';
import { WEEKDAYS } from '../../oncall/restrictions.js';
import type { Layer, Override, Schedule } from '../../oncall/types.js';
import { canonicalTimeZone, isIsoDate, parseClockTime, parseInstant } from '../../oncall/zoned-time.js';
import { duration, id, pushIssue } from './common.js';

/** `HH:MM`, 24-hour local time → minutes after midnight. */
const clockTime = () =>
  z.string().transform((text, ctx) => {
    const minutes = parseClockTime(text);
    if (minutes === undefined) {
      pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be a local time HH:MM such as 09:00 (got "${text}")`, text);
      return z.NEVER;
    }
    return minutes;
  });

const timeZone = z.string().transform((text, ctx) => {
  const tz = canonicalTimeZone(text);
  if (!tz) {
    pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be an IANA time zone such as Europe/Berlin (got "${text}")`, text);
    return z.NEVER;
  }
  return tz;
});

const rotation = z.strictObject({
  // At least an hour: shift lookups then start a few shifts at most from a local-time estimate.
  length: duration({ min: '1h', max: '52w' })
    .refine((ms) => ms % 60_000 === 0, { error: 'must be a whole number of minutes' })
    .describe('Shift length in local wall-clock time: 1w, 1d, 12h … (1d is one local day: 23 or 25 real hours across DST).'),
  handoff: clockTime().prefault('09:00').describe('Local time shifts change hands, HH:MM (default 09:00).'),
  start: z
    .string()
    .refine(isIsoDate, { error: 'must be a date YYYY-MM-DD' })
    .describe('Local date of the first shift (YYYY-MM-DD); before it the layer has nobody on call.'),
});

const restriction = z.strictObject({
  days: z.array(z.enum(WEEKDAYS)).min(1).optional().describe('Days the window starts on (mon … sun); every day when absent.'),
  start: clockTime().describe('Local time the window opens, HH:MM.'),
  end: clockTime().describe('Local time the window closes, HH:MM; at or before start means the next day.'),
});

const layer = z.strictObject({
  name: z.string().min(1).optional().describe('Layer name (default "Layer N"); overrides may name it.'),
  users: z.array(id()).min(1).describe('People taking turns, in order; names from users:.'),
  rotation,
  restrictions: z
    .array(restriction)
    .min(1)
    .optional()
    .describe('Windows in which this layer is on call (e.g. business hours); nobody outside them.'),
});

const override = z.strictObject({
  user: id().describe('Who covers the range.'),
  start: z.string().describe('Start instant: with an offset (2026-03-10T09:00+01:00) or local to the schedule.'),
  end: z.string().describe('End instant (exclusive), written like start.'),
  layer: z.string().optional().describe('Name of the one layer to cover; absent means the whole schedule.'),
});

const schedule = z
  .strictObject({
    id: id().describe('Schedule id; escalation steps refer to it.'),
    name: z.string().optional().describe('Display name.'),
    time_zone: timeZone.prefault('UTC').describe('IANA time zone the rotation is read in (default UTC).'),
    layers: z.array(layer).min(1).describe('Rotation layers; a later layer wins where it has someone on call.'),
    overrides: z.array(override).default([]).describe('Someone covering a time range; beats the layers.'),
    shift_reminder: duration({ max: '7d' })
      .prefault('1h')
      .describe('How long before a shift begins the person coming on call is reminded, through their low-urgency notification rules (default 1h; 0m: no reminders).'),
  })
  .transform((s, ctx): Schedule => {
    const layers: Layer[] = s.layers.map((l, i) => ({
      name: l.name ?? `Layer ${i + 1}`,
      users: l.users,
      rotation: { lengthMs: l.rotation.length, handoffMinutes: l.rotation.handoff, start: l.rotation.start },
      ...(l.restrictions
        ? { restrictions: l.restrictions.map((r) => ({ ...(r.days ? { days: r.days } : {}), startMinutes: r.start, endMinutes: r.end })) }
        : {}),
    }));
    const seen = new Map<string, number>();
    layers.forEach((l, i) => {
      if (seen.has(l.name)) {
        pushIssue(ctx, 'OPSBOOK_E_CONFIG_DUPLICATE_ID', `"${l.name}" is also the name of layers[${seen.get(l.name)}]`, l.name, ['layers', i, 'name']);
      }
      seen.set(l.name, i);
    });
    const overrides: Override[] = [];
    s.overrides.forEach((o, i) => {
      const start = parseInstant(o.start, s.time_zone);
      const end = parseInstant(o.end, s.time_zone);
      if (start === undefined) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be a date-time such as 2026-03-10T09:00 (got "${o.start}")`, o.start, ['overrides', i, 'start']);
      if (end === undefined) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be a date-time such as 2026-03-10T09:00 (got "${o.end}")`, o.end, ['overrides', i, 'end']);
      else if (start !== undefined && end <= start) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be after start (${o.start})`, o.end, ['overrides', i, 'end']);
      const layerIndex = o.layer === undefined ? undefined : layers.findIndex((l) => l.name === o.layer);
      if (layerIndex === -1) {
        pushIssue(ctx, 'OPSBOOK_E_CONFIG_REFERENCE', `names no layer of this schedule (have: ${layers.map((l) => l.name).join(', ')})`, o.layer, ['overrides', i, 'layer']);
      }
      if (start === undefined || end === undefined) return;
      overrides.push({ user: o.user, start, end, ...(layerIndex !== undefined && layerIndex >= 0 ? { layer: layerIndex } : {}) });
    });
    return { id: s.id, ...(s.name ? { name: s.name } : {}), timeZone: s.time_zone, layers, overrides, reminderMs: s.shift_reminder };
  });

/** `schedules:` — on-call rotations with layers, restrictions and overrides, read in a time zone. */
export const schedulesSection = z.array(schedule).default([]);
