import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import type { ExecutionService } from '../../executions/index.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { route, type RouteTable } from '../routes.js';
import { enforceTeamWrite, TEAM_QUERY, teamView } from '../teams.js';
import { operationsOf } from './operations.js';
import { executionSummary, outcome, plan, stepRunResult, transcriptEntry } from '../schemas/executions.js';

/** The execution service, or a clear error when this daemon read no runbooks (no config directory). */
export function executionsOf(daemon: Daemon): ExecutionService {
  const service = daemon.executions;
  if (!service) throw new OpsbookError('OPSBOOK_E_PIPELINE_OFF', 'this opsbook process does not run runbook procedures');
  return service;
}

const idParams = z.object({ id: z.string().min(1) });
const stepParams = z.object({ id: z.string().min(1), step: z.coerce.number().int().min(1) });
const secrets = z.array(z.string()).optional().describe('Names of params to mask everywhere, besides those configured secret');

/** Runbook executions: start, read with transcript, run or tick steps behind the safety gate, cancel, finish. */
export function executionRoutes(daemon: Daemon): RouteTable {
  const svc = () => executionsOf(daemon);
  // A change to an execution of a service whose team restricts writes is the team's (or an admin's).
  const teamWrite = async (request: Parameters<typeof enforceTeamWrite>[1], actor: Parameters<typeof enforceTeamWrite>[2], id: string) =>
    enforceTeamWrite(daemon, request, actor, (await svc().get(id)).service ?? undefined);
  return [
    route({
      method: 'GET',
      url: '/api/executions',
      access: 'viewer',
      summary: 'Executions, newest first (one page); `incident` or `procedure` narrow them; the caller’s teams’ by default.',
      tags: ['executions'],
      query: z.object({
        incident: z.string().optional(),
        procedure: z.string().optional().describe('Only runs of this procedure, `FILE#ID`.'),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        before: z.string().optional().describe('Id of the last execution of the previous page.'),
        team: TEAM_QUERY,
      }),
      response: z.object({ executions: z.array(executionSummary), next: z.string().optional().describe('`before` of the next page') }),
      handler: async ({ query, actor }) => {
        const view = teamView(daemon, actor!, query.team);
        // The team view is part of the query: a page holds `limit` of the view's executions when there are that many.
        const rows = await svc().listExecutions({
          ...(query.incident ? { incidentId: query.incident } : {}),
          ...(query.procedure ? { procedure: query.procedure } : {}),
          ...(query.before ? { before: query.before } : {}),
          ...(view ? { services: view } : {}),
          limit: query.limit,
        });
        // A first page with nothing on it may be a typo in the filter: said so rather than answered as "never run".
        if (rows.length === 0 && !query.before) await svc().refuseEmptyFilter({ ...(query.incident ? { incidentId: query.incident } : {}), ...(query.procedure ? { procedure: query.procedure } : {}) }, { procedure: 'query.procedure', incident: 'query.incident' });
        return { executions: rows, ...(rows.length === query.limit ? { next: rows.at(-1)!.id } : {}) };
      },
    }),
    route({
      method: 'POST',
      url: '/api/executions',
      access: 'responder',
      summary: 'Start a procedure (`FILE#ID`), optionally for an incident; nothing runs until a step is run.',
      tags: ['executions'],
      status: 201,
      body: z.object({
        procedure: z.string().min(1),
        incident: z.string().optional(),
        service: z.string().optional(),
        params: z.record(z.string(), z.string()).optional(),
        secrets,
      }),
      response: z.object({ id: z.string(), plan }),
      handler: async ({ body, actor, request }) => {
        await enforceTeamWrite(daemon, request, actor!, body.service ?? (body.incident ? (await operationsOf(daemon).incidents.get(body.incident)).service : undefined));
        return svc().start(body.procedure, actor!, {
          ...(body.incident ? { incidentId: body.incident } : {}),
          ...(body.service ? { service: body.service } : {}),
          ...(body.params ? { params: body.params } : {}),
          ...(body.secrets ? { secretNames: body.secrets } : {}),
        });
      },
    }),
    route({
      method: 'GET',
      url: '/api/executions/:id',
      access: 'viewer',
      summary: 'One execution with its plan and transcript.',
      tags: ['executions'],
      params: idParams,
      response: executionSummary.extend({ plan, transcript: z.array(transcriptEntry) }),
      handler: async ({ params }) => ({ ...(await svc().get(params.id)), transcript: await svc().transcript(params.id) }),
    }),
    route({
      method: 'POST',
      url: '/api/executions/:id/steps/:step/run',
      access: 'responder',
      summary: 'Run a step behind the safety gate: `yes` for writes, `confirm` naming the target for destructive steps.',
      tags: ['executions'],
      params: stepParams,
      body: z
        .object({
          confirm: z.string().optional(),
          yes: z.boolean().optional(),
          command: z.number().int().min(1).optional(),
          params: z.record(z.string(), z.string()).optional(),
          secrets,
        })
        .default({}),
      response: stepRunResult,
      handler: async ({ params, body, actor, request }) => {
        await teamWrite(request, actor!, params.id);
        return svc().runStep(params.id, params.step, actor!, {
          ...(body.confirm !== undefined ? { confirm: body.confirm } : {}),
          ...(body.yes !== undefined ? { yes: body.yes } : {}),
          ...(body.command !== undefined ? { command: body.command } : {}),
          ...(body.params ? { params: body.params } : {}),
          ...(body.secrets ? { secretNames: body.secrets } : {}),
        });
      },
    }),
    route({
      method: 'POST',
      url: '/api/executions/:id/steps/:step/tick',
      access: 'responder',
      summary: 'Mark a step done by hand (a checklist item, a manual step).',
      tags: ['executions'],
      params: stepParams,
      body: z.object({ note: z.string().max(10_000).optional() }).default({}),
      response: transcriptEntry,
      handler: async ({ params, body, actor, request }) => {
        await teamWrite(request, actor!, params.id);
        return svc().tick(params.id, params.step, actor!, body.note ?? '');
      },
    }),
    route({
      method: 'POST',
      url: '/api/executions/:id/cancel',
      access: 'responder',
      summary: 'Cancel a running execution (what runs is stopped).',
      tags: ['executions'],
      params: idParams,
      response: executionSummary,
      handler: async ({ params, actor, request }) => {
        await teamWrite(request, actor!, params.id);
        return svc().cancel(params.id, actor!);
      },
    }),
    route({
      method: 'POST',
      url: '/api/executions/:id/finish',
      access: 'responder',
      summary: 'End an execution: passed, failed or incomplete, with the reasons.',
      tags: ['executions'],
      params: idParams,
      response: executionSummary.extend({ outcome }),
      handler: async ({ params, actor, request }) => {
        await teamWrite(request, actor!, params.id);
        return svc().finish(params.id, actor!);
      },
    }),
  ];
}
