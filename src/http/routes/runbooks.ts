import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { resolveProcedure } from '../../executions/index.js';
import { route, type RouteTable } from '../routes.js';
import { executionsOf } from './executions.js';
import { plan } from '../schemas/executions.js';

const refParams = z.object({ ref: z.string().min(1) });
const runbookList = z.object({
  runbooks: z.array(
    z.object({
      file: z.string(),
      title: z.string(),
      procedures: z.array(z.object({ ref: z.string().describe('FILE#ID'), id: z.string(), title: z.string(), line: z.number().int(), steps: z.number().int() })),
      warnings: z.number().int(),
    }),
  ),
});
const procedureDetail = z.object({
  ref: z.string(),
  file: z.string(),
  id: z.string(),
  title: z.string(),
  phases: z.array(z.object({ kind: z.string(), label: z.string(), steps: z.array(z.object({ text: z.string(), line: z.number().int() })) })),
  plan,
});

/** The runbooks the daemon read, their procedures, and one procedure's steps with what they would do here. */
export function runbookRoutes(daemon: Daemon): RouteTable {
  return [
    route({
      method: 'GET',
      url: '/api/runbooks',
      access: 'viewer',
      summary: 'Runbook files and their procedures (`FILE#ID` refs).',
      tags: ['runbooks'],
      response: runbookList,
      handler: () => ({
        runbooks: executionsOf(daemon).deps.runbooks.map((r) => ({
          file: r.file,
          title: r.title,
          procedures: r.procedures.map((p) => ({ ref: `${r.file}#${p.id}`, id: p.id, title: p.title, line: p.line, steps: p.phases.reduce((n, ph) => n + ph.steps.length, 0) })),
          warnings: r.warnings.length,
        })),
      }),
    }),
    route({
      method: 'GET',
      url: '/api/runbooks/procedures/:ref',
      access: 'viewer',
      summary: 'One procedure (`FILE#ID`, URL-encoded): its phases and the plan of what each step would run here.',
      tags: ['runbooks'],
      params: refParams,
      response: procedureDetail,
      handler: async ({ params }) => {
        const service = executionsOf(daemon);
        const { runbook, procedure } = resolveProcedure(service.deps.runbooks, params.ref);
        return {
          ref: `${runbook.file}#${procedure.id}`,
          file: runbook.file,
          id: procedure.id,
          title: procedure.title,
          phases: procedure.phases.map((ph) => ({ kind: ph.kind, label: ph.label, steps: ph.steps.map((s) => ({ text: s.text, line: s.line })) })),
          plan: await service.plan(`${runbook.file}#${procedure.id}`),
        };
      },
    }),
    route({
      method: 'POST',
      url: '/api/runbooks/procedures/:ref/plan',
      access: 'responder',
      summary: 'What running the procedure would do here with these parameters (a dry run): nothing runs and nothing is stored.',
      tags: ['runbooks'],
      params: refParams,
      body: z
        .object({
          incident: z.string().optional(),
          service: z.string().optional(),
          params: z.record(z.string(), z.string()).optional(),
          secrets: z.array(z.string()).optional().describe('Names of params to mask'),
        })
        .default({}),
      response: plan,
      handler: ({ params, body }) =>
        executionsOf(daemon).plan(params.ref, {
          ...(body.incident ? { incidentId: body.incident } : {}),
          ...(body.service ? { service: body.service } : {}),
          ...(body.params ? { params: body.params } : {}),
          ...(body.secrets ? { secretNames: body.secrets } : {}),
        }),
    }),
  ];
}
