import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { describeSchedule, OverrideBook, type StoredOverride } from '../../oncall/index.js';
import { route, type RouteTable } from '../routes.js';
import { LAST_EPOCH_MS } from '../validate.js';

/** One person's stretch: who, until when (null beyond the horizon), and the override that put them there. */
const slot = z.object({ user: z.string().nullable(), override: z.number().int().optional(), until: z.string().nullable() });

const override = z.object({
  id: z.string(),
  schedule: z.string(),
  user: z.string().describe('Who is on call over the range.'),
  covers: z.string().nullable().describe('Whose shift it covers.'),
  start: z.string().describe('ISO instant'),
  end: z.string().describe('ISO instant (exclusive)'),
  reason: z.string(),
  swap: z.string().nullable().describe('Both halves of a swap share this id; deleting one deletes both.'),
  created_by: z.string(),
  created_at: z.string(),
});

const instant = () => z.string().min(1).max(64).describe('With an offset (2026-03-10T09:00+01:00) or local to the schedule (2026-03-10T09:00).');

export function overrideJson(o: StoredOverride): z.infer<typeof override> {
  return {
    id: o.id, schedule: o.schedule, user: o.user, covers: o.covers ?? null, start: new Date(o.start).toISOString(), end: new Date(o.end).toISOString(),
    reason: o.reason, swap: o.swap ?? null, created_by: o.createdBy, created_at: new Date(o.createdAt).toISOString(),
  };
}

const body = (f: string) => `body.${f}`;

/** Who is on call (in the same shape `opsbook oncall now --json` prints), and the overrides and swaps people make. */
export function oncallRoutes(daemon: Daemon): RouteTable {
  const book = () => new OverrideBook(daemon);
  return [
    route({
      method: 'GET',
      url: '/api/oncall/now',
      access: 'viewer',
      summary: 'Who is on call in each schedule and layer, now or at `at` (epoch ms or an ISO instant), and until when; overrides and swaps applied.',
      tags: ['oncall'],
      query: z.object({ at: z.string().optional(), schedule: z.string().optional().describe('Only this schedule.') }),
      response: z.object({
        at: z.string().describe('ISO instant'),
        schedules: z.array(
          z.object({
            id: z.string(),
            name: z.string().optional(),
            time_zone: z.string(),
            on_call: slot.extend({ layer: z.number().int().optional(), layer_name: z.string().optional() }),
            layers: z.array(slot.extend({ name: z.string() })),
          }),
        ),
      }),
      handler: async ({ query }) => {
        let at = daemon.clock.now();
        if (query.at !== undefined) {
          at = /^\d+$/.test(query.at) ? Number(query.at) : Date.parse(query.at);
          // Digits past the year 9999 are a number but no instant a schedule (or an ISO date) can hold.
          if (!Number.isFinite(at) || at < 0 || at > LAST_EPOCH_MS) throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', `at must be epoch ms or an ISO instant with offset (got "${query.at}")`, { location: { path: 'query.at' } });
        }
        let schedules = await book().schedules();
        if (query.schedule !== undefined) {
          schedules = schedules.filter((s) => s.id === query.schedule);
          if (schedules.length === 0) throw new OpsbookError('OPSBOOK_E_NOT_FOUND', `no schedule ${query.schedule}`, { location: { path: 'query.schedule' } });
        }
        return { at: new Date(at).toISOString(), schedules: schedules.map((s) => describeSchedule(s, at)) };
      },
    }),
    route({
      method: 'GET',
      url: '/api/oncall/overrides',
      access: 'viewer',
      summary: 'Overrides and swaps made through the API, CLI or UI (current and upcoming; `past=true` adds ended ones).',
      tags: ['oncall'],
      query: z.object({ schedule: z.string().optional().describe('Only this schedule.'), past: z.enum(['true', 'false']).optional() }),
      response: z.object({ overrides: z.array(override) }),
      handler: async ({ query }) => ({
        overrides: (await book().list({ ...(query.schedule !== undefined ? { schedule: query.schedule } : {}), includePast: query.past === 'true', at: 'query.schedule' })).map(overrideJson),
      }),
    }),
    route({
      method: 'POST',
      url: '/api/oncall/overrides',
      access: 'responder',
      summary: 'Someone covers a range of a schedule (beats every layer). A responder may create overrides they cover or are covered by; an admin any.',
      tags: ['oncall'],
      status: 201,
      body: z.strictObject({
        schedule: z.string().min(1),
        user: z.string().min(1).describe('Who covers.'),
        covers: z.string().min(1).optional().describe('Whose shift is covered; must be on the schedule and on call in the range.'),
        start: instant(),
        end: instant(),
        reason: z.string().max(2000),
      }),
      response: z.object({ override }),
      handler: async ({ body: b, actor }) => {
        const { schedule, ...input } = b;
        return { override: overrideJson(await book().create(schedule, input, actor!, body)) };
      },
    }),
    route({
      method: 'POST',
      url: '/api/oncall/swaps',
      access: 'responder',
      summary: '`user` takes `with`’s shift over start–end and `with` takes `user`’s over return.start–return.end: two overrides created and deleted together.',
      tags: ['oncall'],
      status: 201,
      body: z.strictObject({
        schedule: z.string().min(1),
        user: z.string().min(1),
        with: z.string().min(1),
        start: instant(),
        end: instant(),
        return: z.strictObject({ start: instant(), end: instant() }),
        reason: z.string().max(2000),
      }),
      response: z.object({ overrides: z.array(override) }),
      handler: async ({ body: b, actor }) => {
        const { schedule, ...input } = b;
        return { overrides: (await book().swap(schedule, input, actor!, body)).map(overrideJson) };
      },
    }),
    route({
      method: 'DELETE',
      url: '/api/oncall/overrides/:id',
      access: 'responder',
      summary: 'Delete an override (both halves of a swap). A responder may delete those they are part of or created; an admin any.',
      tags: ['oncall'],
      params: z.object({ id: z.string().min(1).max(64) }),
      response: z.object({ deleted: z.array(override) }),
      handler: async ({ params, actor }) => ({ deleted: (await book().remove(params.id, actor!)).map(overrideJson) }),
    }),
  ];
}
