/**
 * The on-call calendar feed on a real daemon, on a simulated clock: the schedule's secret feed URL
 * parses with ical.js and, at every hour across Europe/Berlin's switch to summer time, names exactly
 * the person `GET /api/oncall/now` answers (an override included); the person's own feed lists only
 * their shifts; revoking the feed key makes the old URL answer 404.
 */
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { primaryScheduleDaemon } from '../support/oncall-schedule.js';

const HOUR = 3_600_000;
const schedule = primaryScheduleDaemon('calendar', {
  users: { ann: 'responder', bob: 'responder', cat: 'responder', dan: 'responder', root: 'admin' },
  rotation: ['ann', 'bob', 'cat'],
  overrides: [{ user: 'dan', start: '2026-03-29T01:00:00+01:00', end: '2026-03-29T12:00:00+02:00' }],
  tokensFor: ['ann', 'root'],
});

const get = (url: string, token?: string) => schedule.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

function events(text: string): Array<{ start: number; end: number; summary: string; description: string }> {
  const cal = new ICAL.Component(ICAL.parse(text) as unknown[]);
  return cal.getAllSubcomponents('vevent').map((v) => {
    const e = new ICAL.Event(v);
    return { start: e.startDate.toJSDate().getTime(), end: e.endDate.toJSDate().getTime(), summary: e.summary, description: e.description };
  });
}

describe('iCalendar feeds', () => {
  it('lists exactly who `oncall now` names at each hour across a DST change, and revokes', async () => {
    const urls = (await get('/api/calendars', schedule.tokens.ann)).json() as { schedules: Record<string, string>; mine: string };
    const path = new URL(urls.schedules.primary!).pathname;
    const res = await get(path);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/calendar');
    const feed = events(res.body);
    expect(feed.length).toBeGreaterThan(10);

    let checked = 0;
    for (let at = Date.parse('2026-03-27T00:00:00Z'); at < Date.parse('2026-04-01T00:00:00Z'); at += HOUR) {
      const now = (await get(`/api/oncall/now?schedule=primary&at=${at}`, schedule.tokens.ann)).json() as { schedules: Array<{ on_call: { user: string | null } }> };
      const want = now.schedules[0]!.on_call.user;
      const covering = feed.filter((e) => e.start <= at && at < e.end);
      expect(covering.length, new Date(at).toISOString()).toBe(want ? 1 : 0);
      if (want) expect(covering[0]!.summary, new Date(at).toISOString()).toBe(`${want} on call (primary)`);
      checked++;
    }
    expect(checked).toBe(5 * 24);
    // Handoffs stay at 09:00 Berlin time on both sides of the change (08:00Z before, 07:00Z after).
    expect(feed.some((e) => new Date(e.start).toISOString() === '2026-03-27T08:00:00.000Z')).toBe(true);
    expect(feed.some((e) => new Date(e.start).toISOString() === '2026-03-30T07:00:00.000Z')).toBe(true);
    // The override shows as dan's own stretch.
    expect(feed.find((e) => e.summary.startsWith('dan'))).toMatchObject({ start: Date.parse('2026-03-29T00:00:00Z'), end: Date.parse('2026-03-29T10:00:00Z') });

    const mine = events((await get(new URL(urls.mine).pathname)).body);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e) => e.description.startsWith('ann is on call'))).toBe(true);

    expect((await schedule.app.inject({ method: 'POST', url: '/api/calendars/revoke', headers: { authorization: `Bearer ${schedule.tokens.ann}` } })).statusCode).toBe(403);
    expect((await schedule.app.inject({ method: 'POST', url: '/api/calendars/revoke', headers: { authorization: `Bearer ${schedule.tokens.root}` } })).statusCode).toBe(200);
    expect((await get(path)).statusCode).toBe(404);
    const fresh = (await get('/api/calendars', schedule.tokens.ann)).json() as { schedules: Record<string, string> };
    expect((await get(new URL(fresh.schedules.primary!).pathname)).statusCode).toBe(200);
  });
});
