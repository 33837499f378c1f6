import { z } from 'zod';
import { DEFAULT_SEVERITIES } from '../../incidents/severity.js';
import type { BusinessHours, Severity } from '../../incidents/types.js';
import { WEEKDAYS } from '../../oncall/restrictions.js';
import { canonicalTimeZone, isIsoDate, parseClockTime } from '../../oncall/zoned-time.js';
import { formatDuration } from '../../lib/duration.js';
import { duration, id, pushIssue } from './common.js';
import { severityId } from './rules.js';

const response = z
  .union([z.literal('next_business_day'), duration({ min: '1m', max: '30d' })])
  .describe('Response target: a duration (15m, 1h) or next_business_day.');

const severity = z
  .strictObject({
    id: severityId().describe('Severity id (P1 …); rules and checks map levels to it.'),
    name: z.string().min(1).optional().describe('Short name, e.g. "Service down".'),
    description: z.string().optional().describe('When this severity applies.'),
    response,
    business_hours: id()
      .optional()
      .describe('Calendar from business_hours: for next_business_day, or to count a duration in business time only.'),
    urgency: z.enum(['high', 'low']).default('high').describe("Which of a person's notification rules apply: high (default) or low."),
    auto_resolve: z.boolean().default(true).describe('Resolve the incident when all its alerts resolve (default true).'),
    reopen_within: duration({ max: '30d' })
      .prefault('1h')
      .describe('A recurrence of the same alert this soon after resolution re-opens the incident (default 1h).'),
    group_within: duration({ max: '1d' })
      .prefault('5m')
      .describe("A new alert of the same service joins an open incident opened this recently (default 5m); 0s turns grouping off."),
  })
  .transform(
    (s): Severity => ({
      id: s.id,
      name: s.name ?? s.id,
      ...(s.description ? { description: s.description } : {}),
      response:
        s.response === 'next_business_day'
          ? { kind: 'next_business_day', ...(s.business_hours ? { businessHours: s.business_hours } : {}) }
          : { kind: 'duration', ms: s.response, ...(s.business_hours ? { businessHours: s.business_hours } : {}) },
      ...(s.urgency === 'low' ? { urgency: 'low' as const } : {}),
      autoResolve: s.auto_resolve,
      reopenWithinMs: s.reopen_within,
      groupWithinMs: s.group_within,
    }),
  );

/** The default ladder as it would be written in ops.yaml (so defaults go through the same schema). */
const DEFAULT_INPUT = DEFAULT_SEVERITIES.map((s) => ({
  id: s.id,
  name: s.name,
  ...(s.description ? { description: s.description } : {}),
  response: s.response.kind === 'duration' ? formatDuration(s.response.ms) : 'next_business_day',
}));

/** `severities:` — the ladder, most severe first. Default P1–P4 (15m, 1h, 4h, 24h). */
export const severitiesSection = z
  .array(severity)
  .min(1)
  .prefault(DEFAULT_INPUT)
  .describe('Severity ladder, most severe first (default P1 15m, P2 1h, P3 4h, P4 24h).');

const clockTime = (what: string) =>
  z
    .string()
    .transform((text, ctx) => {
      const m = parseClockTime(text);
      if (m === undefined) {
        pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be a local time HH:MM such as 09:00 (got "${text}")`, text);
        return z.NEVER;
      }
      return m;
    })
    .describe(what);

export const timeZone = () =>
  z.string().transform((text, ctx) => {
    const tz = canonicalTimeZone(text);
    if (!tz) {
      pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be an IANA time zone such as Europe/Berlin (got "${text}")`, text);
      return z.NEVER;
    }
    return tz;
  });

const businessHours = z
  .strictObject({
    id: id().describe('Calendar id; severities refer to it (the one named default is used when none is named).'),
    time_zone: timeZone().prefault('UTC').describe('IANA time zone the hours are read in (default UTC).'),
    days: z.array(z.enum(WEEKDAYS)).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']).describe('Business days (default mon … fri).'),
    start: clockTime('Local opening time, HH:MM (default 09:00).').prefault('09:00'),
    end: clockTime('Local closing time, HH:MM, after start (default 17:00).').prefault('17:00'),
    holidays: z
      .array(z.string().refine(isIsoDate, { error: 'must be a date YYYY-MM-DD' }))
      .default([])
      .describe('Local dates that are not business days.'),
  })
  .superRefine((b, ctx) => {
    if (b.end <= b.start) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', 'must be after start', b.end, ['end']);
  })
  .transform(
    (b): BusinessHours => ({ id: b.id, timeZone: b.time_zone, days: b.days, startMinutes: b.start, endMinutes: b.end, holidays: b.holidays }),
  );

/** `business_hours:` — calendars for next-business-day response targets. */
export const businessHoursSection = z
  .array(businessHours)
  .default([])
  .describe('Business-hours calendars for next_business_day response targets.');

