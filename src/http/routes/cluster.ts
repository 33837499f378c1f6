import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { clusterStatus } from '../../cluster/index.js';
import { route, type RouteTable } from '../routes.js';

const ms = z.number().nullable();
export const clusterStatusSchema = z.object({
  clustered: z.boolean().describe('False on SQLite: one process does all the work'),
  self: z.string().nullable().describe('The member id of the process that answered'),
  members: z.array(
    z.object({
      id: z.string(),
      name: z.string().nullable().describe('storage.cluster.member, when the process was given one'),
      superseded_by: z.string().nullable().describe('The newer process of the same name that took its leases over'),
      draining_since: z.number().nullable().describe('When (epoch ms, database time) it began a clean stop: it drains its queued work and counts in no one\'s fair share'),
      host: z.string(),
      pid: z.number(),
      url: z.string(),
      started_at: z.number(),
      heartbeat_age_ms: z.number(),
      alive: z.boolean(),
      leases: z.array(z.string()),
      checks: z.array(z.string()),
    }),
  ),
  leases: z.array(z.object({ name: z.string(), holder: z.string().nullable(), epoch: z.number(), held_for_ms: ms, expires_in_ms: ms })),
  unowned_checks: z.array(z.string()),
  fencing: z.object({ rejected: z.number(), accepted_stale: z.number() }),
});

export function clusterRoutes(daemon: Daemon): RouteTable {
  return [
    route({
      method: 'GET',
      url: '/api/cluster',
      access: 'viewer',
      summary: 'The processes sharing this store: their heartbeats, the leases (with fencing epochs) and the checks each runs; writes fencing refused.',
      tags: ['cluster'],
      response: clusterStatusSchema,
      handler: async () => ({
        ...(await clusterStatus(daemon.store, daemon.config.checks.map((c) => c.id), daemon.config.storage.cluster.partitions)),
        self: daemon.cluster?.id ?? null,
      }),
    }),
  ];
}
