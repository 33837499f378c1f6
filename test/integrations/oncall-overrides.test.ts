/**
 * Overrides and swaps through the API on a real daemon and store, on a simulated clock: they change
 * what `GET /api/oncall/now` and the calendar feed answer, they are audited, they are refused with a
 * named field when wrong, and a responder changes only shifts they are part of.
 */
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { listAudit } from '../../src/store/index.js';
import { primaryScheduleDaemon } from '../support/oncall-schedule.js';

const schedule = primaryScheduleDaemon('overrides', {
  users: { ann: 'responder', bob: 'responder', cat: 'responder', vic: 'viewer', root: 'admin' },
  rotation: ['ann', 'bob'],
  overrides: [{ user: 'cat', start: '2026-03-31T09:00', end: '2026-03-31T12:00' }],
  tokensFor: ['ann', 'bob', 'cat', 'vic', 'root'],
  operations: false,
});

const call = (method: 'GET' | 'POST' | 'DELETE', url: string, who: string, payload?: unknown) =>
  schedule.app.inject({ method, url, headers: { authorization: `Bearer ${schedule.tokens[who]}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });

const onCall = async (at: string): Promise<string | null> =>
  ((await call('GET', `/api/oncall/now?schedule=primary&at=${encodeURIComponent(at)}`, 'vic')).json() as { schedules: Array<{ on_call: { user: string | null } }> }).schedules[0]!.on_call.user;

// 2026-03-23 ann, 24 bob, 25 ann, 26 bob, 27 ann, 28 bob, 29 ann, 30 bob (handoff 09:00 Berlin).
describe('on-call overrides through the API', () => {
  it('an override a responder takes changes oncall now and the feed, and is audited', async () => {
    expect(await onCall('2026-03-27T10:00:00+01:00')).toBe('ann');
    const res = await call('POST', '/api/oncall/overrides', 'cat', { schedule: 'primary', user: 'cat', covers: 'ann', start: '2026-03-27T09:00', end: '2026-03-27T13:00', reason: 'ann at a wedding' });
    expect(res.statusCode, res.body).toBe(201);
    const o = (res.json() as { override: { id: string; start: string; end: string } }).override;
    expect(o).toMatchObject({ start: '2026-03-27T08:00:00.000Z', end: '2026-03-27T12:00:00.000Z', user: 'cat', covers: 'ann' });
    expect(await onCall('2026-03-27T10:00:00+01:00')).toBe('cat');
    expect(await onCall('2026-03-27T13:00:00+01:00')).toBe('ann');

    const feeds = (await call('GET', '/api/calendars', 'ann')).json() as { schedules: Record<string, string> };
    const ics = (await schedule.app.inject({ url: new URL(feeds.schedules.primary!).pathname })).body;
    const cal = new ICAL.Component(ICAL.parse(ics) as unknown[]);
    const cat = cal.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v)).filter((e) => e.summary.startsWith('cat') && e.startDate.toJSDate().getTime() === Date.parse(o.start));
    expect(cat).toHaveLength(1);
    expect(cat[0]!.description).toContain('covering ann: ann at a wedding');

    const audit = await listAudit(schedule.server.daemon.store.db, { subject: 'schedule:primary' });
    expect(audit.at(-1)).toMatchObject({ actor: 'cat', action: 'oncall.override.create' });
    expect(JSON.parse(audit.at(-1)!.details)).toMatchObject({ overrides: [{ id: o.id, user: 'cat', covers: 'ann', reason: 'ann at a wedding' }] });

    const list = (await call('GET', '/api/oncall/overrides?schedule=primary', 'vic')).json() as { overrides: Array<{ id: string }> };
    expect(list.overrides.map((x) => x.id)).toEqual([o.id]);
    expect((await call('DELETE', `/api/oncall/overrides/${o.id}`, 'ann')).statusCode).toBe(200);
    expect(await onCall('2026-03-27T10:00:00+01:00')).toBe('ann');
    expect((await listAudit(schedule.server.daemon.store.db, { subject: 'schedule:primary' })).at(-1)).toMatchObject({ actor: 'ann', action: 'oncall.override.delete' });
  });

  it('a swap moves both shifts, and deleting one half deletes both', async () => {
    const res = await call('POST', '/api/oncall/swaps', 'ann', {
      schedule: 'primary', user: 'ann', with: 'bob', start: '2026-03-28T09:00', end: '2026-03-29T09:00', return: { start: '2026-03-29T09:00', end: '2026-03-30T09:00' }, reason: 'weekend swap',
    });
    expect(res.statusCode, res.body).toBe(201);
    const halves = (res.json() as { overrides: Array<{ id: string; swap: string }> }).overrides;
    expect(halves).toHaveLength(2);
    expect(halves[0]!.swap).toBe(halves[1]!.swap);
    expect(await onCall('2026-03-28T12:00:00+01:00')).toBe('ann');
    expect(await onCall('2026-03-29T12:00:00+02:00')).toBe('bob');
    // The feed shows both halves: ann on the 28th (winter time), bob on the 29th (summer time).
    const feeds = (await call('GET', '/api/calendars', 'ann')).json() as { schedules: Record<string, string> };
    const cal = new ICAL.Component(ICAL.parse((await schedule.app.inject({ url: new URL(feeds.schedules.primary!).pathname })).body) as unknown[]);
    const starts = cal.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v)).map((e) => `${e.summary.split(' ')[0]} ${e.startDate.toJSDate().toISOString()}`);
    expect(starts).toEqual(expect.arrayContaining(['ann 2026-03-28T08:00:00.000Z', 'bob 2026-03-29T07:00:00.000Z']));
    expect(starts).not.toContain('bob 2026-03-28T08:00:00.000Z');
    expect(starts).not.toContain('ann 2026-03-29T07:00:00.000Z');
    expect((await call('DELETE', `/api/oncall/overrides/${halves[1]!.id}`, 'bob')).json()).toMatchObject({ deleted: [{}, {}] });
    expect(await onCall('2026-03-28T12:00:00+01:00')).toBe('bob');
    expect(await onCall('2026-03-29T12:00:00+02:00')).toBe('ann');
  });

  it('refuses bad requests with the field named, never a 500', async () => {
    const base = { schedule: 'primary', user: 'cat', covers: 'bob', start: '2026-03-28T10:00', end: '2026-03-28T11:00', reason: 'cover' };
    const refusal = async (patch: Record<string, unknown>) => {
      const r = await call('POST', '/api/oncall/overrides', 'root', { ...base, ...patch });
      const e = (r.json() as { error: { code: string; path?: string; message: string } }).error;
      return [r.statusCode, e.code, e.path, e.message] as const;
    };
    expect(await refusal({ user: 'zed' })).toEqual([400, 'OPSBOOK_E_OVERRIDE_INVALID', 'body.user', expect.stringContaining('no user "zed"')]);
    expect(await refusal({ covers: 'root' })).toEqual([400, 'OPSBOOK_E_OVERRIDE_INVALID', 'body.covers', expect.stringContaining('root is not on schedule primary')]);
    expect(await refusal({ covers: 'ann' })).toEqual([400, 'OPSBOOK_E_OVERRIDE_INVALID', 'body.covers', expect.stringContaining('ann is not on call')]);
    expect(await refusal({ end: '2026-03-28T09:00' })).toEqual([400, 'OPSBOOK_E_OVERRIDE_INVALID', 'body.end', expect.stringContaining('must be after start')]);
    expect(await refusal({ start: '2026-03-20T10:00', end: '2026-03-21T10:00' })).toEqual([400, 'OPSBOOK_E_OVERRIDE_INVALID', 'body.end', expect.stringContaining('in the past')]);
    expect(await refusal({ start: 'tomorrow' })).toEqual([400, 'OPSBOOK_E_OVERRIDE_INVALID', 'body.start', expect.stringContaining('must be a date-time')]);
    expect(await refusal({ reason: ' ' })).toEqual([400, 'OPSBOOK_E_OVERRIDE_INVALID', 'body.reason', expect.stringContaining('say why')]);
    expect(await refusal({ schedule: 'nope' })).toEqual([404, 'OPSBOOK_E_NOT_FOUND', 'body.schedule', expect.stringContaining('no schedule nope')]);
    expect((await refusal({ when: 'now' }))[0]).toBe(400);
    // Overlaps: with the config's override, and with a stored one (named by id).
    expect(await refusal({ covers: 'bob', start: '2026-03-31T08:00', end: '2026-03-31T10:00' })).toEqual([409, 'OPSBOOK_E_OVERRIDE_OVERLAP', 'body.start', expect.stringContaining('an override in the config')]);
    const first = await call('POST', '/api/oncall/overrides', 'root', base);
    expect(first.statusCode).toBe(201);
    const id = (first.json() as { override: { id: string } }).override.id;
    expect(await refusal({ start: '2026-03-28T10:30', end: '2026-03-28T12:00' })).toEqual([409, 'OPSBOOK_E_OVERRIDE_OVERLAP', 'body.start', expect.stringContaining(`override ${id}`)]);
    // A swap's second half is checked with its own path.
    const swap = await call('POST', '/api/oncall/swaps', 'root', { schedule: 'primary', user: 'ann', with: 'bob', start: '2026-04-01T09:00', end: '2026-04-02T09:00', return: { start: '2026-04-02T09:00', end: '2026-04-02T08:00' }, reason: 'x' });
    expect(swap.statusCode).toBe(400);
    expect((swap.json() as { error: { path: string } }).error.path).toBe('body.return.end');
    await call('DELETE', `/api/oncall/overrides/${id}`, 'root');
  });

  it('a responder changes only shifts they are part of; a viewer none; refusals are audited', async () => {
    const other = { schedule: 'primary', user: 'cat', covers: 'bob', start: '2026-04-01T10:00', end: '2026-04-01T11:00', reason: 'cover' };
    const byAnn = await call('POST', '/api/oncall/overrides', 'ann', other);
    expect(byAnn.statusCode).toBe(403);
    expect((byAnn.json() as { error: { message: string } }).error.message).toContain('they are part of');
    expect((await listAudit(schedule.server.daemon.store.db, { subject: 'schedule:primary' })).at(-1)).toMatchObject({ actor: 'ann', action: 'access.denied' });
    expect((await call('POST', '/api/oncall/overrides', 'vic', { ...other, user: 'vic' })).statusCode).toBe(403);
    // bob gives his shift away; cat may then delete it, ann may not.
    const byBob = await call('POST', '/api/oncall/overrides', 'bob', other);
    expect(byBob.statusCode, byBob.body).toBe(201);
    const id = (byBob.json() as { override: { id: string } }).override.id;
    expect((await call('DELETE', `/api/oncall/overrides/${id}`, 'ann')).statusCode).toBe(403);
    expect((await call('DELETE', `/api/oncall/overrides/${id}`, 'cat')).statusCode).toBe(200);
    expect((await call('DELETE', `/api/oncall/overrides/${id}`, 'root')).json()).toMatchObject({ error: { code: 'OPSBOOK_E_OVERRIDE_UNKNOWN' } });
  });
});

describe('calendar feeds revoked one by one', () => {
  it('revoking one feed ends that URL only; a new one is issued; only the owner or an admin may', async () => {
    type Feeds = { schedules: Record<string, string>; mine: string; feeds: Array<{ id: string; kind: string; subject: string; url?: string }> };
    const ann = (await call('GET', '/api/calendars', 'ann')).json() as Feeds;
    const bob = (await call('GET', '/api/calendars', 'bob')).json() as Feeds;
    const annFeed = ann.feeds.find((f) => f.kind === 'user' && f.subject === 'ann')!;
    expect(bob.feeds.some((f) => f.subject === 'ann')).toBe(false);
    const admin = (await call('GET', '/api/calendars', 'root')).json() as Feeds;
    expect(admin.feeds.find((f) => f.id === annFeed.id)).toEqual(expect.not.objectContaining({ url: expect.anything() }));

    const path = (u: string) => new URL(u).pathname;
    expect((await schedule.app.inject({ url: path(ann.mine) })).statusCode).toBe(200);
    expect((await call('POST', `/api/calendars/${annFeed.id}/revoke`, 'bob')).statusCode).toBe(403);
    expect((await call('POST', `/api/calendars/${annFeed.id}/revoke`, 'ann')).statusCode).toBe(200);
    expect((await schedule.app.inject({ url: path(ann.mine) })).statusCode).toBe(404);
    expect((await schedule.app.inject({ url: path(bob.mine) })).statusCode).toBe(200);
    expect((await schedule.app.inject({ url: path(ann.schedules.primary!) })).statusCode).toBe(200);
    expect((await listAudit(schedule.server.daemon.store.db, { subject: `calendar-feed:${annFeed.id}` })).map((e) => e.action)).toEqual(['access.denied', 'calendar.feed.revoke']);

    const again = (await call('GET', '/api/calendars', 'ann')).json() as Feeds;
    expect(again.mine).not.toBe(ann.mine);
    expect((await schedule.app.inject({ url: path(again.mine) })).statusCode).toBe(200);
    expect((await call('POST', `/api/calendars/${annFeed.id}/revoke`, 'root')).json()).toMatchObject({ error: { code: 'OPSBOOK_E_CALENDAR_FEED_UNKNOWN' } });
    // A tampered signature is refused like an unknown feed.
    expect((await schedule.app.inject({ url: path(again.mine).replace(/\.([^.]{5})/, '.AAAAA') })).statusCode).toBe(404);
  });
});
