import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { describeSchedule } from '../../oncall/index.js';
import { route, type RouteTable } from '../routes.js';

/** One person's stretch: who, until when (null beyond the horizon), and the override that put them there. */
const slot = z.object({ user: z.string().nullable(), override: z.number().int().optional(), until: z.string().nullable() });

/** Who is on call, in the same shape `opsbook oncall now --json` prints. */
export function oncallRoutes(daemon: Daemon): RouteTable {
  return [
    route({
      method: 'GET',
      url: '/api/oncall/now',
      access: 'viewer',
      summary: 'Who is on call in each schedule and layer, now or at `at` (epoch ms or an ISO instant), and until when.',
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
      handler: ({ query }) => {
        let at = daemon.clock.now();
        if (query.at !== undefined) {
          at = /^\d+$/.test(query.at) ? Number(query.at) : Date.parse(query.at);
          if (!Number.isFinite(at)) throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', `at must be epoch ms or an ISO instant with offset (got "${query.at}")`, { location: { path: 'query.at' } });
        }
        let schedules = daemon.config.schedules;
        if (query.schedule !== undefined) {
          schedules = schedules.filter((s) => s.id === query.schedule);
          if (schedules.length === 0) throw new OpsbookError('OPSBOOK_E_NOT_FOUND', `no schedule ${query.schedule}`, { location: { path: 'query.schedule' } });
        }
        return { at: new Date(at).toISOString(), schedules: schedules.map((s) => describeSchedule(s, at)) };
      },
    }),
  ];
}
