import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { CalendarFeeds, FEED_AHEAD_MS, FEED_PAST_MS, OverrideBook, shiftCalendar, type CalendarFeed } from '../../oncall/index.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { htmlPage, route, type RouteTable } from '../routes.js';

const feed = z.object({
  id: z.string(),
  kind: z.enum(['schedule', 'user']),
  subject: z.string().describe('Schedule id or person.'),
  url: z.string().optional().describe('The secret URL; only on feeds the caller may subscribe to.'),
  created_by: z.string(),
  created_at: z.string(),
});

const feedJson = (f: CalendarFeed): z.infer<typeof feed> => ({
  id: f.id, kind: f.kind, subject: f.subject, ...(f.url ? { url: f.url } : {}), created_by: f.createdBy, created_at: new Date(f.createdAt).toISOString(),
});

/**
 * iCalendar feeds of on-call shifts (overrides and swaps applied), per schedule and per person, at
 * secret URLs a calendar app subscribes to without signing in. The URL is the credential: one feed
 * is revoked on its own, or an admin revokes every URL at once.
 */
export function calendarRoutes(daemon: Daemon): RouteTable {
  const feeds = () => new CalendarFeeds(daemon);
  return [
    route({
      method: 'GET',
      url: '/api/calendars',
      access: 'viewer',
      summary: 'The secret iCalendar feed URLs: one per schedule and the caller’s own (issued on first ask), with each feed’s id; an admin also sees everyone’s feeds, without URLs.',
      tags: ['oncall'],
      response: z.object({ schedules: z.record(z.string(), z.string()), mine: z.string().optional(), feeds: z.array(feed) }),
      handler: async ({ actor }) => {
        const list = await feeds().forActor(actor!);
        const mine = list.find((f) => f.kind === 'user' && f.subject === actor!.name)?.url;
        return {
          schedules: Object.fromEntries(list.filter((f) => f.kind === 'schedule' && f.url).map((f) => [f.subject, f.url!])),
          ...(mine ? { mine } : {}),
          feeds: list.map(feedJson),
        };
      },
    }),
    route({
      method: 'POST',
      url: '/api/calendars/:id/revoke',
      access: 'responder',
      summary: 'Revoke one feed URL (a new one is issued on the next ask). A responder may revoke their own feed; an admin any.',
      tags: ['oncall'],
      params: z.object({ id: z.string().min(1).max(64) }),
      response: z.object({ revoked: feed }),
      handler: async ({ params, actor }) => ({ revoked: feedJson(await feeds().revoke(params.id, actor!)) }),
    }),
    route({
      method: 'POST',
      url: '/api/calendars/revoke',
      access: 'admin',
      summary: 'Revoke every calendar feed URL at once (a new key signs the new ones).',
      tags: ['oncall'],
      response: z.object({ revoked: z.literal(true) }),
      handler: async ({ actor }) => {
        await feeds().revokeAll(actor!);
        return { revoked: true as const };
      },
    }),
    route({
      method: 'GET',
      url: '/calendar/:token',
      access: 'public',
      summary: 'An iCalendar feed (text/calendar) at its secret URL: a schedule’s shifts or a person’s.',
      tags: ['oncall'],
      produces: ['text/calendar'],
      params: z.object({ token: z.string().min(10).max(1024) }),
      handler: async ({ params, reply }) => {
        const found = await feeds().resolve(params.token);
        if (!found) throw new OpsbookError('OPSBOOK_E_NOT_FOUND', 'no calendar feed at this URL (it may have been revoked)');
        const now = daemon.clock.now();
        const range = { from: now - FEED_PAST_MS, to: now + FEED_AHEAD_MS, publicUrl: daemon.config.server.public_url };
        const all = await new OverrideBook(daemon).schedules();
        const schedules = found.kind === 'schedule' ? all.filter((s) => s.id === found.subject) : all;
        if (schedules.length === 0) throw new OpsbookError('OPSBOOK_E_NOT_FOUND', `no schedule ${found.subject}`);
        const cal = shiftCalendar(`On call: ${found.subject}`, schedules, { ...range, ...(found.kind === 'user' ? { user: found.subject } : {}) });
        void reply.type('text/calendar; charset=utf-8');
        return htmlPage(cal.toString());
      },
    }),
  ];
}
