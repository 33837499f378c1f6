import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { listDeadLetters, redriveDeadLetter, type OutboxRow } from '../../notify/index.js';
import { route, type RouteTable } from '../routes.js';

/** A dead letter as people read it: the payload (which may carry links) is left out. */
function deadLetter(r: OutboxRow) {
  return { id: r.id, channel: r.channel_id, event: r.event, incident: r.incident_id, created_at: r.created_at, attempts: r.attempts, dead_at: r.dead_at, last_status: r.last_status, last_error: r.last_error };
}

/** Channels (ids and kinds, never their secrets), dead letters and their re-drive. */
export function channelRoutes(daemon: Daemon): RouteTable {
  return [
    route({
      method: 'GET',
      url: '/api/channels',
      access: 'viewer',
      summary: 'Configured notification channels: ids and kinds only (URLs and secrets stay in the config).',
      tags: ['notify'],
      response: z.object({ channels: z.array(z.object({ id: z.string(), kind: z.string() })) }),
      handler: () => ({ channels: daemon.config.channels.map((c) => ({ id: c.id, kind: c.kind })) }),
    }),
    route({
      method: 'GET',
      url: '/api/deliveries/dead',
      access: 'viewer',
      summary: 'Notifications given up on (dead letters), oldest first.',
      tags: ['notify'],
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() }),
      response: z.object({
        dead: z.array(
          z.object({
            id: z.string(),
            channel: z.string(),
            event: z.string(),
            incident: z.string().nullable(),
            created_at: z.number(),
            attempts: z.number().int(),
            dead_at: z.number().nullable(),
            last_status: z.number().int().nullable(),
            last_error: z.string().nullable(),
          }),
        ),
      }),
      handler: async ({ query }) => ({ dead: (await listDeadLetters(daemon.store, query.limit)).map(deadLetter) }),
    }),
    route({
      method: 'POST',
      url: '/api/deliveries/:id/redrive',
      access: 'admin',
      summary: 'Send a dead letter again (same id, fresh retry window).',
      tags: ['notify'],
      params: z.object({ id: z.string().min(1) }),
      response: z.object({ id: z.string(), status: z.literal('pending') }),
      handler: async ({ params }) => {
        await redriveDeadLetter(daemon.store, daemon.clock, params.id);
        return { id: params.id, status: 'pending' as const };
      },
    }),
  ];
}
