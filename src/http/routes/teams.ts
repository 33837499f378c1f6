import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { route, type RouteTable } from '../routes.js';

const team = z.object({
  id: z.string(),
  name: z.string(),
  members: z.array(z.string()),
  services: z.array(z.string()),
  schedules: z.array(z.string()),
  escalation_policy: z.string().optional(),
  restrict_writes: z.boolean(),
  member: z.boolean().describe('Whether the caller is in the team'),
});

/** Teams as configured, and which of them the caller is in. */
export function teamRoutes(daemon: Daemon): RouteTable {
  return [
    route({
      method: 'GET',
      url: '/api/teams',
      access: 'viewer',
      summary: 'Teams: members, owned services, schedules and escalation policy; `member` marks the caller’s.',
      tags: ['teams'],
      response: z.object({ teams: z.array(team) }),
      handler: ({ actor }) => ({
        teams: daemon.config.teams.map((t) => ({
          id: t.id,
          name: t.name ?? t.id,
          members: t.members,
          services: t.services,
          schedules: t.schedules,
          ...(t.escalation_policy ? { escalation_policy: t.escalation_policy } : {}),
          restrict_writes: t.restrict_writes,
          member: t.members.includes(actor!.name),
        })),
      }),
    }),
  ];
}
