import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { configuredLadder, INCIDENT_STATES, severityFilterProblem, silenceFromRow } from '../../incidents/index.js';
import { findSilence } from '../../store/index.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { incidentDeliveries } from '../../notify/index.js';
import { route, type RouteTable } from '../routes.js';
import { epochMs } from '../validate.js';
import { enforceSilenceWrite, TEAM_QUERY, teamView, enforceTeamWrite } from '../teams.js';
import { operationsOf } from './operations.js';
import { change, delivery, incident, incidentAlert, incidentEffect, silence, timelineEntry } from '../schemas/incidents.js';

const idParams = z.object({ id: z.string().min(1) });
const noteBody = z.object({ note: z.string().max(10_000).optional() }).default({});

const ACTIONS = ['acknowledge', 'investigate', 'mitigate', 'resolve', 'review'] as const;

/** Incidents: list, read, move through the lifecycle, notes, deliveries; changes; silences. */
export function incidentRoutes(daemon: Daemon): RouteTable {
  const ops = () => operationsOf(daemon);
  return [
    route({
      method: 'GET',
      url: '/api/incidents',
      access: 'viewer',
      summary: 'Incidents, newest first (one page).',
      tags: ['incidents'],
      query: z.object({
        state: z.union([z.enum(INCIDENT_STATES), z.literal('open')]).optional().describe('A lifecycle state, or `open` for every unresolved one.'),
        severity: z.string().optional().describe('Only this severity: one of the ladder’s ids (another is refused, naming them).'),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        before: z.string().optional().describe('Id of the last incident of the previous page.'),
        team: TEAM_QUERY,
      }),
      response: z.object({ incidents: z.array(incident), next: z.string().optional().describe('`before` of the next page') }),
      handler: async ({ query, actor }) => {
        const view = teamView(daemon, actor!, query.team);
        const unknown = query.severity !== undefined ? severityFilterProblem(configuredLadder(daemon.config.severities).ids, query.severity) : undefined;
        if (unknown) throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', unknown, { location: { path: 'query.severity' } });
        const state = query.state === 'open' ? ['triggered', 'acknowledged', 'investigating', 'mitigated'] : query.state;
        const incidents = await ops().incidents.list({
          ...(state ? { state } : {}),
          ...(query.severity ? { severity: query.severity } : {}),
          limit: query.limit,
          ...(query.before ? { before: query.before } : {}),
          ...(view ? { services: view } : {}),
        });
        return { incidents, next: incidents.length === query.limit ? incidents[incidents.length - 1]?.id : undefined };
      },
    }),
    route({
      method: 'POST',
      url: '/api/incidents',
      access: 'responder',
      summary: 'Open an incident by hand.',
      tags: ['incidents'],
      status: 201,
      body: z.object({
        title: z.string().min(1).max(500),
        severity: z.string().min(1),
        service: z.string().optional(),
        labels: z.record(z.string(), z.string()).optional(),
        runbook: z.string().optional(),
        note: z.string().optional(),
        commander: z.string().optional().describe('Incident commander (a configured user)'),
        communications: z.string().optional().describe('Communications lead (a configured user)'),
        responders: z.array(z.string()).optional(),
      }),
      response: incident,
      handler: ({ body, actor }) => {
        const { commander, communications, responders = [], note, ...rest } = body;
        const roles = [
          ...(commander ? [{ role: 'commander' as const, person: commander }] : []),
          ...(communications ? [{ role: 'communications' as const, person: communications }] : []),
          ...responders.map((person) => ({ role: 'responder' as const, person })),
        ];
        for (const [i, r] of roles.entries()) {
          if (!daemon.config.users.some((u) => u.name === r.person)) {
            throw new OpsbookError('OPSBOOK_E_INCIDENT_INVALID', `${r.person} is not one of the configured users`, { location: { path: r.role === 'responder' ? `responders[${i - (roles.length - responders.length)}]` : r.role } });
          }
        }
        return ops().declare({ ...rest, ...(note ? { description: note } : {}), roles }, actor!);
      },
    }),
    route({
      method: 'GET',
      url: '/api/incidents/:id',
      access: 'viewer',
      summary: 'One incident with its alerts.',
      tags: ['incidents'],
      params: idParams,
      response: incident.extend({ alerts: z.array(incidentAlert) }),
      handler: async ({ params }) => ({ ...(await ops().incidents.get(params.id)), alerts: await ops().incidents.alerts(params.id) }),
    }),
    route({
      method: 'GET',
      url: '/api/incidents/:id/timeline',
      access: 'viewer',
      summary: 'The incident timeline: alerts, status changes, notes, notifications, deliveries, changes.',
      tags: ['incidents'],
      params: idParams,
      response: z.object({ timeline: z.array(timelineEntry) }),
      handler: async ({ params }) => ({ timeline: await ops().incidents.timeline(params.id) }),
    }),
    route({
      method: 'GET',
      url: '/api/incidents/:id/deliveries',
      access: 'viewer',
      summary: 'Every delivery attempt of the incident’s notifications.',
      tags: ['incidents'],
      params: idParams,
      response: z.object({ deliveries: z.array(delivery) }),
      handler: async ({ params }) => ({ deliveries: await incidentDeliveries(daemon.store.db, params.id, 'params.id') }),
    }),
    ...ACTIONS.map((action) =>
      route({
        method: 'POST',
        url: `/api/incidents/:id/${action}`,
        access: 'responder',
        summary: `${action[0]!.toUpperCase()}${action.slice(1)} the incident.`,
        tags: ['incidents'],
        params: idParams,
        body: noteBody,
        response: incident,
        handler: async ({ params, body, actor, request }) => {
          await enforceTeamWrite(daemon, request, actor!, (await ops().incidents.get(params.id)).service);
          return ops().act(params.id, action, actor!, body.note);
        },
      }),
    ),
    route({
      method: 'POST',
      url: '/api/incidents/:id/escalate',
      access: 'responder',
      summary: 'Escalate now: page the next step of the incident’s escalation policy at once. An answered incident is triggered again, its escalation running on from that step until acknowledged.',
      tags: ['incidents'],
      params: idParams,
      body: noteBody,
      response: incident,
      handler: async ({ params, body, actor, request }) => {
        await enforceTeamWrite(daemon, request, actor!, (await ops().incidents.get(params.id)).service);
        return ops().escalate(params.id, actor!, body.note);
      },
    }),
    route({
      method: 'POST',
      url: '/api/incidents/:id/responders',
      access: 'responder',
      summary: 'Add a person as a responder and page them (while the incident is open).',
      tags: ['incidents'],
      params: idParams,
      body: z.object({ person: z.string().min(1).describe('A configured user') }),
      response: incident,
      handler: async ({ params, body, actor, request }) => {
        await enforceTeamWrite(daemon, request, actor!, (await ops().incidents.get(params.id)).service);
        return ops().addResponder(params.id, body.person, actor!);
      },
    }),
    route({
      method: 'POST',
      url: '/api/incidents/:id/severity',
      access: 'responder',
      summary: 'Change the severity; the response target and the running escalation follow the new one.',
      tags: ['incidents'],
      params: idParams,
      body: z.object({ severity: z.string().min(1), note: z.string().max(10_000).optional() }),
      response: incident,
      handler: async ({ params, body, actor, request }) => {
        await enforceTeamWrite(daemon, request, actor!, (await ops().incidents.get(params.id)).service);
        return ops().changeSeverity(params.id, body.severity, actor!, body.note);
      },
    }),
    route({
      method: 'POST',
      url: '/api/incidents/:id/title',
      access: 'responder',
      summary: 'Give the incident a title of its own; a worse alert joining never replaces a title set so.',
      tags: ['incidents'],
      params: idParams,
      body: z.object({ title: z.string().min(1).max(500) }),
      response: incident,
      handler: async ({ params, body, actor, request }) => {
        await enforceTeamWrite(daemon, request, actor!, (await ops().incidents.get(params.id)).service);
        return ops().incidents.retitle(params.id, body.title, actor!);
      },
    }),
    route({
      method: 'POST',
      url: '/api/incidents/:id/notes',
      access: 'responder',
      summary: 'Add a note to the timeline.',
      tags: ['incidents'],
      status: 201,
      params: idParams,
      body: z.object({ text: z.string().min(1).max(10_000) }),
      response: timelineEntry,
      handler: async ({ params, body, actor, request }) => {
        await enforceTeamWrite(daemon, request, actor!, (await ops().incidents.get(params.id)).service);
        return ops().incidents.addNote(params.id, actor!, body.text);
      },
    }),
    route({
      method: 'POST',
      url: '/api/changes',
      access: 'responder',
      summary: 'Record a deploy, rollback or config change; incidents that start within 2 h show it.',
      tags: ['changes'],
      status: 201,
      body: z.object({
        kind: z.enum(['deploy', 'rollback', 'config', 'other']),
        summary: z.string().min(1).max(1000),
        service: z.string().optional(),
        at: epochMs().optional().describe('Epoch ms; defaults to now.'),
        data: z.record(z.string(), z.unknown()).optional(),
      }),
      response: z.object({ change, attachedTo: z.array(z.string()).describe('Ids of the incidents it was shown on') }),
      handler: ({ body, actor }) => ops().incidents.recordChange(body, actor!),
    }),
    route({
      method: 'POST',
      url: '/api/silences',
      access: 'responder',
      summary: 'Silence notifications of alerts matching labels for a time (detection goes on).',
      tags: ['silences'],
      status: 201,
      body: z.object({
        matchers: z.array(z.object({ label: z.string().min(1), op: z.enum(['=', '!=', '=~', '!~']).default('='), value: z.string() })).min(1),
        starts_at: epochMs().optional(),
        ends_at: epochMs(),
        comment: z.string().min(1),
        on_end: z.enum(['notify_if_firing', 'drop']).default('notify_if_firing'),
      }),
      response: silence,
      handler: async ({ body, actor, request }) => {
        await enforceSilenceWrite(daemon, request, actor!, body.matchers);
        return ops().incidents.createSilence(
          { matchers: body.matchers, startsAt: body.starts_at ?? daemon.clock.now(), endsAt: body.ends_at, comment: body.comment, onEnd: body.on_end },
          actor!,
        );
      },
    }),
    route({
      method: 'DELETE',
      url: '/api/silences/:id',
      access: 'responder',
      summary: 'End a silence now; what it held is released or dropped as it says.',
      tags: ['silences'],
      params: idParams,
      response: z.object({ effects: z.array(incidentEffect) }),
      handler: async ({ params, actor, request }) => {
        const row = await findSilence(daemon.store.db, params.id);
        if (row) await enforceSilenceWrite(daemon, request, actor!, silenceFromRow(row).matchers);
        return { effects: await ops().expireSilence(params.id, actor!) };
      },
    }),
  ];
}
