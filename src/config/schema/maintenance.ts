import { z } from 'zod';
import { patternProblem } from '../../lib/pattern.js';
import { Cron } from 'croner';
import { emptyValueProblem, matchAllProblem, narrows } from '../../incidents/matcher-scope.js';
import type { MaintenanceWindow, Matcher, Silence } from '../../incidents/types.js';
import { parseInstant } from '../../oncall/zoned-time.js';
import { duration, id, pushIssue } from './common.js';
import { timeZone } from './severities.js';

const matcher = z
  .strictObject({
    label: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: 'must be a label name' }).describe('Label name (service, check, rule, severity …).'),
    op: z.enum(['=', '!=', '=~', '!~']).default('=').describe('=, !=, =~ (regex), !~ (default =).'),
    value: z.string().describe('Value, or an anchored regex for =~ and !~.'),
  })
  .superRefine((m, ctx) => {
    const empty = emptyValueProblem(m);
    if (empty) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', empty, m.value, ['value']);
    if (m.op !== '=~' && m.op !== '!~') return;
    const problem = patternProblem(m.value);
    if (problem) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `is not a regular expression opsbook can match in linear time: ${problem}`, m.value, ['value']);
  })
  .transform((m): Matcher => m);

const onEnd = z
  .enum(['notify_if_firing', 'drop'])
  .default('notify_if_firing')
  .describe('At the end: notify incidents still unanswered (triggered, an alert firing) whose notification was held (notify_if_firing), or drop it.');

/** Whether a window's scope is as meant: one with no services and no matcher naming a value holds every page, so it has to say so. */
function scopeChecked(w: { services: string[]; matchers: Matcher[]; all_incidents: boolean }, ctx: { issues: unknown[] }): boolean {
  const narrowed = w.services.length > 0 || w.matchers.some(narrows);
  if (!narrowed && !w.all_incidents) {
    pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', 'holds the notifications of every incident: name services, add a matcher that names a value (such as service="api"), or write all_incidents: true', w);
    return false;
  }
  if (narrowed && w.all_incidents) {
    pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', 'is true, but the window\'s services or matchers narrow it: drop one or the other', w.all_incidents, ['all_incidents']);
    return false;
  }
  return true;
}

const window = z
  .strictObject({
    id: id().describe('Window id; incidents name it when it held their notification.'),
    start: z.string().optional().describe('One-off: start instant (2026-03-10T02:00+01:00, or local to time_zone).'),
    end: z.string().optional().describe('One-off: end instant (exclusive).'),
    cron: z.string().optional().describe('Recurring: cron expression of each opening, read in time_zone ("0 2 * * 0").'),
    duration: duration({ min: '1m', max: '7d' }).optional().describe('Recurring: how long each opening lasts.'),
    time_zone: timeZone().prefault('UTC').describe('IANA time zone for cron and local instants (default UTC).'),
    services: z.array(id()).default([]).describe('Services covered; empty means all the matchers allow.'),
    matchers: z.array(matcher).default([]).describe('Label matchers an alert must all satisfy.'),
    all_incidents: z.boolean().default(false).describe('Says the window holds every incident\'s notifications; required when neither services nor a matcher naming a value narrows it.'),
    on_end: onEnd,
    comment: z.string().optional().describe('Why the window exists.'),
  })
  .transform((w, ctx): MaintenanceWindow => {
    const scoped = scopeChecked(w, ctx);
    const out: MaintenanceWindow = {
      id: w.id, timeZone: w.time_zone, services: w.services, matchers: w.matchers, onEnd: w.on_end,
      ...(w.comment ? { comment: w.comment } : {}),
    };
    const oneOff = w.start !== undefined || w.end !== undefined;
    const recurring = w.cron !== undefined || w.duration !== undefined;
    if (oneOff === recurring) {
      pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', 'needs either start and end (one-off) or cron and duration (recurring)', w);
      return z.NEVER;
    }
    if (recurring) {
      if (w.cron === undefined || w.duration === undefined) {
        pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', 'a recurring window needs both cron and duration', w, [w.cron === undefined ? 'cron' : 'duration']);
        return z.NEVER;
      }
      try {
        new Cron(w.cron, { timezone: w.time_zone, paused: true });
      } catch (e) {
        pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `is not a cron expression: ${(e as Error).message}`, w.cron, ['cron']);
        return z.NEVER;
      }
      return scoped ? { ...out, cron: w.cron, durationMs: w.duration } : z.NEVER;
    }
    const start = w.start === undefined ? undefined : parseInstant(w.start, w.time_zone);
    const end = w.end === undefined ? undefined : parseInstant(w.end, w.time_zone);
    if (start === undefined) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be a date-time such as 2026-03-10T02:00 (got "${w.start ?? ''}")`, w.start, ['start']);
    if (end === undefined) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be a date-time such as 2026-03-10T04:00 (got "${w.end ?? ''}")`, w.end, ['end']);
    else if (start !== undefined && end <= start) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be after start (${w.start})`, w.end, ['end']);
    if (!scoped || start === undefined || end === undefined || end <= start) return z.NEVER;
    return { ...out, start, end };
  });

/** `maintenance:` — one-off and cron-recurring windows that hold back notifications (never detection). */
export const maintenanceSection = z
  .array(window)
  .default([])
  .describe('Maintenance windows (one-off or cron) that hold back notifications; incidents still open.');

const silence = z
  .strictObject({
    id: id().describe('Silence id.'),
    matchers: z.array(matcher).min(1).describe('Label matchers an alert must all satisfy.'),
    starts: z.string().describe('Start instant (with offset, or UTC).'),
    ends: z.string().describe('End instant (exclusive).'),
    created_by: z.string().min(1).describe('Who asked for it.'),
    comment: z.string().min(1).describe('Why.'),
    on_end: onEnd,
  })
  .transform((s, ctx): Silence => {
    const all = matchAllProblem(s.matchers);
    if (all) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', all, s);
    const startsAt = parseInstant(s.starts, 'UTC');
    const endsAt = parseInstant(s.ends, 'UTC');
    if (startsAt === undefined) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be a date-time (got "${s.starts}")`, s.starts, ['starts']);
    if (endsAt === undefined) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be a date-time (got "${s.ends}")`, s.ends, ['ends']);
    else if (startsAt !== undefined && endsAt <= startsAt) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be after starts (${s.starts})`, s.ends, ['ends']);
    if (all || startsAt === undefined || endsAt === undefined || endsAt <= startsAt) return z.NEVER;
    return { id: s.id, matchers: s.matchers, startsAt, endsAt, createdBy: s.created_by, comment: s.comment, onEnd: s.on_end, origin: 'config' };
  });

/** `silences:` — label-matched silences kept in config (more are created at runtime). */
export const silencesSection = z.array(silence).default([]).describe('Silences: label matchers that hold back notifications for a time.');
