import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { activeOccurrence } from '../../incidents/index.js';
import { route, type RouteTable } from '../routes.js';
import { operationsOf } from './operations.js';
import { silenceShown, TEAM_QUERY, teamFilter } from '../teams.js';
import { maintenanceWindow, silence } from '../schemas/incidents.js';

/** Maintenance windows from the config (active now or not) and the silences in force. */
export function maintenanceRoutes(daemon: Daemon): RouteTable {
  return [
    route({
      method: 'GET',
      url: '/api/maintenance',
      access: 'viewer',
      summary: 'Maintenance windows from the config, each with whether it holds back notifications now.',
      tags: ['silences'],
      response: z.object({ windows: z.array(maintenanceWindow) }),
      handler: () => {
        const now = daemon.clock.now();
        return {
          windows: daemon.config.maintenance.map((w) => {
            const active = activeOccurrence(w, now);
            return { ...w, active: active !== undefined, ...(active ? { active_until: active.end } : {}) };
          }),
        };
      },
    }),
    route({
      method: 'GET',
      url: '/api/silences',
      access: 'viewer',
      summary: 'Silences in force now, from the config and created at runtime; by default those of the caller’s teams’ services (and those naming no service).',
      tags: ['silences'],
      query: z.object({ team: TEAM_QUERY }),
      response: z.object({ silences: z.array(silence) }),
      handler: async ({ query, actor }) => {
        const show = teamFilter(daemon, actor!, query.team);
        return { silences: (await operationsOf(daemon).incidents.silences.live(daemon.clock.now())).filter((s) => silenceShown(show, s.matchers)) };
      },
    }),
  ];
}
