import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { resolveProcedure } from '../../executions/index.js';
import { route, type RouteTable } from '../routes.js';
import { executionsOf } from './executions.js';

/** The runbooks the daemon read, their procedures, and one procedure's steps with what they would do here. */
export function runbookRoutes(daemon: Daemon): RouteTable {
  return [
    route({
      method: 'GET',
      url: '/api/runbooks',
      access: 'viewer',
      summary: 'Runbook files and their procedures (`FILE#ID` refs).',
      tags: ['runbooks'],
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
      params: z.object({ ref: z.string().min(1) }),
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
  ];
}
