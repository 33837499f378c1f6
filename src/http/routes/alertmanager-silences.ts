import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { matcherMatches, silenceFromRow, validateSilence, type Matcher, type Silence } from '../../incidents/index.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { findSilence } from '../../store/index.js';
import { route, type RouteTable } from '../routes.js';
import { operationsOf } from './operations.js';
import { enforceSilenceWrite } from '../teams.js';

/**
 * Alertmanager's silences API (v2), so `amtool silence add|query|expire|import` and other
 * Alertmanager clients manage opsbook's silences. Times are RFC 3339; ids are opsbook's.
 */

const amMatcher = z.object({ name: z.string().min(1), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean().default(true) });
const postable = z.object({
  id: z.string().optional().describe('An existing silence to replace (Alertmanager expires it and makes a new one).'),
  matchers: z.array(amMatcher).min(1),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
  createdBy: z.string().min(1),
  comment: z.string().min(1),
});
const gettable = z.object({
  id: z.string(),
  status: z.object({ state: z.enum(['active', 'pending', 'expired']) }),
  updatedAt: z.string(),
  matchers: z.array(amMatcher),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
  warning: z.string().optional().describe('opsbook\'s own: set on a stored silence that takes in more than a new one may (it still applies), saying what it takes in and how to narrow it'),
});

const toOp = (m: z.infer<typeof amMatcher>): Matcher['op'] => (m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=');

function toAm(s: Silence, now: number): z.infer<typeof gettable> {
  const state = s.endsAt <= now ? 'expired' : s.startsAt > now ? 'pending' : 'active';
  return {
    id: s.id,
    status: { state },
    updatedAt: new Date(s.startsAt).toISOString(),
    matchers: s.matchers.map((m) => ({ name: m.label, value: m.value, isRegex: m.op === '=~' || m.op === '!~', isEqual: m.op === '=' || m.op === '=~' })),
    startsAt: new Date(s.startsAt).toISOString(),
    endsAt: new Date(s.endsAt).toISOString(),
    createdBy: s.createdBy,
    comment: s.comment,
    ...(s.warning ? { warning: s.warning } : {}),
  };
}

/** `filter` as Alertmanager takes it: `name="value"`, `name!="v"`, `name=~"re"`, `name!~"re"` (quotes optional). */
function parseFilter(text: string, i: number): Matcher {
  const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|(.*?))\s*$/.exec(text);
  if (!m) throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', `bad matcher format: ${text}`, { location: { path: `query.filter[${i}]` } });
  return { label: m[1]!, op: m[2] as Matcher['op'], value: m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '') };
}

/** A silence passes the filter when the labels its equality matchers name satisfy every filter matcher (as Alertmanager filters). */
function passes(s: Silence, filter: Matcher[]): boolean {
  const labels = Object.fromEntries(s.matchers.filter((m) => m.op === '=').map((m) => [m.label, m.value]));
  return filter.every((f) => matcherMatches(f, labels));
}

export function alertmanagerSilenceRoutes(daemon: Daemon): RouteTable {
  const ops = () => operationsOf(daemon);
  const one = async (id: string): Promise<Silence> => {
    const configured = (await ops().incidents.silences.live(daemon.clock.now())).find((s) => s.id === id);
    if (configured) return configured;
    const row = await findSilence(daemon.store.db, id);
    if (!row) throw new OpsbookError('OPSBOOK_E_NOT_FOUND', `no silence with id ${id}`, { location: { path: 'params.id' } });
    return silenceFromRow(row);
  };
  return [
    route({
      method: 'GET',
      url: '/api/v2/silences',
      access: 'viewer',
      summary: 'Alertmanager v2: silences in force (config and runtime), filtered by `filter` matchers.',
      tags: ['silences'],
      query: z.object({ filter: z.union([z.string(), z.array(z.string())]).optional() }),
      response: z.array(gettable),
      handler: async ({ query }) => {
        const now = daemon.clock.now();
        const filter = (query.filter === undefined ? [] : Array.isArray(query.filter) ? query.filter : [query.filter]).map(parseFilter);
        return (await ops().incidents.silences.live(now)).filter((s) => passes(s, filter)).map((s) => toAm(s, now));
      },
    }),
    route({
      method: 'POST',
      url: '/api/v2/silences',
      access: 'responder',
      summary: 'Alertmanager v2: create a silence (or replace one named by `id`); answers its `silenceID`.',
      tags: ['silences'],
      body: postable,
      response: z.object({ silenceID: z.string() }),
      handler: async ({ body, actor, request }) => {
        const matchers = body.matchers.map((m) => ({ label: m.name, op: toOp(m), value: m.value }));
        await enforceSilenceWrite(daemon, request, actor!, matchers);
        const startsAt = Math.max(Date.parse(body.startsAt), daemon.clock.now());
        const comment = body.createdBy === actor!.name ? body.comment : `${body.comment} (author: ${body.createdBy})`;
        const input = { matchers, startsAt, endsAt: Date.parse(body.endsAt), comment };
        if (body.id) {
          const replaced = await one(body.id);
          await enforceSilenceWrite(daemon, request, actor!, replaced.matchers);
          // A replacement that cannot be made leaves the silence it names in force.
          validateSilence(input, daemon.clock.now());
          await ops().expireSilence(replaced.id, actor!);
        }
        const created = await ops().incidents.createSilence(input, actor!);
        return { silenceID: created.id };
      },
    }),
    route({
      method: 'GET',
      url: '/api/v2/silence/:id',
      access: 'viewer',
      summary: 'Alertmanager v2: one silence, expired ones included.',
      tags: ['silences'],
      params: z.object({ id: z.string().min(1).max(200) }),
      response: gettable,
      handler: async ({ params }) => toAm(await one(params.id), daemon.clock.now()),
    }),
    route({
      method: 'DELETE',
      url: '/api/v2/silence/:id',
      access: 'responder',
      summary: 'Alertmanager v2: expire a silence now.',
      tags: ['silences'],
      params: z.object({ id: z.string().min(1).max(200) }),
      response: z.object({}),
      handler: async ({ params, actor, request }) => {
        await enforceSilenceWrite(daemon, request, actor!, (await one(params.id)).matchers);
        await ops().expireSilence(params.id, actor!);
        return {};
      },
    }),
  ];
}
