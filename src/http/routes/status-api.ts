import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { StatusPage, PUBLIC_STATES, MAX_TITLE_CHARS, MAX_UPDATE_CHARS, type PublicIncident } from '../../statuspage/index.js';
import { route, type RouteTable } from '../routes.js';
import { findIncident } from '../../store/index.js';
import { enforceTeamWrite } from '../teams.js';
import { forgetStatusBars } from './status.js';

const idParams = z.object({ id: z.string().min(1) });

const publicIncident = z.object({
  incident_id: z.string(),
  title: z.string(),
  service: z.object({ id: z.string(), name: z.string() }).optional(),
  published_at: z.number(),
  open: z.boolean(),
  resolved_at: z.number().optional(),
  updates: z.array(z.object({ id: z.string(), at: z.number(), state: z.string(), body: z.string(), author: z.string() })),
});

function wire(i: PublicIncident): z.infer<typeof publicIncident> {
  return {
    incident_id: i.incidentId,
    title: i.title,
    ...(i.service ? { service: i.service } : {}),
    published_at: i.publishedAt,
    open: i.open,
    ...(i.resolvedAt !== undefined ? { resolved_at: i.resolvedAt } : {}),
    updates: i.updates.map((u) => ({ id: u.id, at: u.at, state: u.state, body: u.body, author: u.author })),
  };
}

/** The status page through the API: what it shows, publishing an incident, posting updates. */
export function statusPageRoutes(daemon: Daemon): RouteTable {
  const model = (): StatusPage => new StatusPage(daemon);
  // Telling the public about an incident is a write on it: a team that restricts writes keeps it to its members.
  const teamWrite = async (request: Parameters<typeof enforceTeamWrite>[1], actor: Parameters<typeof enforceTeamWrite>[2], id: string): Promise<void> => {
    const incident = await findIncident(daemon.store.db, id);
    if (incident) await enforceTeamWrite(daemon, request, actor, incident.service ?? undefined);
  };
  return [
    route({
      method: 'GET',
      url: '/api/status-page',
      access: 'viewer',
      summary: 'The public services and the published incidents (open, and resolved within history_days).',
      tags: ['status page'],
      response: z.object({ services: z.array(z.object({ id: z.string(), name: z.string() })), active: z.array(publicIncident), history: z.array(publicIncident) }),
      handler: async () => {
        const { active, history } = await model().incidents();
        return { services: model().publicServices(), active: active.map(wire), history: history.map(wire) };
      },
    }),
    route({
      method: 'POST',
      url: '/api/incidents/:id/status-page',
      access: 'responder',
      summary: 'Publish the incident on the status page with a public title and a first update.',
      tags: ['status page'],
      status: 201,
      params: idParams,
      body: z.object({ title: z.string().min(1).max(MAX_TITLE_CHARS), body: z.string().min(1).max(MAX_UPDATE_CHARS), state: z.enum(PUBLIC_STATES).optional() }),
      response: publicIncident,
      handler: async ({ params, body, actor, request }) => {
        await teamWrite(request, actor!, params.id);
        const out = wire(await model().publish(params.id, body, actor!));
        forgetStatusBars(daemon);
        return out;
      },
    }),
    route({
      method: 'POST',
      url: '/api/incidents/:id/status-page/updates',
      access: 'responder',
      summary: 'Post an update about a published incident: investigating, identified, monitoring or resolved.',
      tags: ['status page'],
      status: 201,
      params: idParams,
      body: z.object({ state: z.enum(PUBLIC_STATES), body: z.string().min(1).max(MAX_UPDATE_CHARS) }),
      response: publicIncident,
      handler: async ({ params, body, actor, request }) => {
        await teamWrite(request, actor!, params.id);
        const out = wire(await model().postUpdate(params.id, body, actor!));
        forgetStatusBars(daemon);
        return out;
      },
    }),
  ];
}
