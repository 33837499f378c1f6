import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { FEED_AHEAD_MS, FEED_PAST_MS, shiftCalendar } from '../../oncall/index.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { randomSecret } from '../../lib/ids.js';
import { getOrCreateNotifyKey, replaceNotifyKey } from '../../store/repos/outbox.js';
import { appendAudit } from '../../store/index.js';
import { htmlPage, route, type RouteTable } from '../routes.js';

/** The key every feed URL is signed with; replacing it revokes every feed URL at once. */
const FEED_KEY = 'calendar-feeds';

type Feed = { kind: 'schedule' | 'user'; id: string };

const mac = (payload: string, key: string) => createHmac('sha256', key).update(payload).digest('base64url');

function feedToken(feed: Feed, key: string): string {
  const payload = Buffer.from(`${feed.kind}:${feed.id}`).toString('base64url');
  return `${payload}.${mac(payload, key)}`;
}

function readFeedToken(token: string, key: string): Feed | undefined {
  const [payload, sig] = token.split('.');
  if (!payload || !sig || !/^[A-Za-z0-9_-]+$/.test(payload)) return undefined;
  const want = Buffer.from(mac(payload, key));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
  const text = Buffer.from(payload, 'base64url').toString('utf8');
  const i = text.indexOf(':');
  const kind = text.slice(0, i);
  return kind === 'schedule' || kind === 'user' ? { kind, id: text.slice(i + 1) } : undefined;
}

/**
 * iCalendar feeds of on-call shifts, per schedule and per person, at secret URLs a calendar app
 * subscribes to without signing in. The URL is the credential: an admin revokes every feed URL at
 * once by replacing the key they are signed with (people then fetch their new URL).
 */
export function calendarRoutes(daemon: Daemon): RouteTable {
  const key = () => getOrCreateNotifyKey(daemon.store.db, FEED_KEY, () => randomSecret(32), daemon.clock.now());
  const url = (feed: Feed, k: string) => `${daemon.config.server.public_url.replace(/\/+$/, '')}/calendar/${feedToken(feed, k)}.ics`;
  return [
    route({
      method: 'GET',
      url: '/api/calendars',
      access: 'viewer',
      summary: 'The secret iCalendar feed URLs: one per schedule, and the caller’s own.',
      tags: ['oncall'],
      response: z.object({ schedules: z.record(z.string(), z.string()), mine: z.string().optional() }),
      handler: async ({ actor }) => {
        const k = await key();
        const mine = daemon.config.users.some((u) => u.name === actor!.name) ? url({ kind: 'user', id: actor!.name }, k) : undefined;
        return { schedules: Object.fromEntries(daemon.config.schedules.map((s) => [s.id, url({ kind: 'schedule', id: s.id }, k)])), ...(mine ? { mine } : {}) };
      },
    }),
    route({
      method: 'POST',
      url: '/api/calendars/revoke',
      access: 'admin',
      summary: 'Revoke every calendar feed URL (a new key signs the new ones).',
      tags: ['oncall'],
      response: z.object({ revoked: z.literal(true) }),
      handler: async ({ actor }) => {
        await replaceNotifyKey(daemon.store.db, FEED_KEY, randomSecret(32), daemon.clock.now());
        await appendAudit(daemon.store.db, daemon.store.dialect, { at: daemon.clock.now(), actor: actor!.name, action: 'calendar.revoke', subject: 'calendar-feeds', details: {} });
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
        const feed = readFeedToken(params.token.replace(/\.ics$/, ''), await key());
        if (!feed) throw new OpsbookError('OPSBOOK_E_NOT_FOUND', 'no calendar feed at this URL (it may have been revoked)');
        const now = daemon.clock.now();
        const range = { from: now - FEED_PAST_MS, to: now + FEED_AHEAD_MS, publicUrl: daemon.config.server.public_url };
        const schedules = feed.kind === 'schedule' ? daemon.config.schedules.filter((s) => s.id === feed.id) : daemon.config.schedules;
        if (schedules.length === 0) throw new OpsbookError('OPSBOOK_E_NOT_FOUND', `no schedule ${feed.id}`);
        const cal = shiftCalendar(`On call: ${feed.id}`, schedules, { ...range, ...(feed.kind === 'user' ? { user: feed.id } : {}) });
        void reply.type('text/calendar; charset=utf-8');
        return htmlPage(cal.toString());
      },
    }),
  ];
}
