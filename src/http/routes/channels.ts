import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { listDeadLetters, redriveDeadLetter, sendTestNotification, type OutboxRow } from '../../notify/index.js';
import { route, type RouteTable } from '../routes.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { countOutbox } from '../../store/index.js';

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
      summary: 'Notifications given up on (dead letters), oldest first; `limit` keeps the oldest that many, and `total` counts them all.',
      tags: ['notify'],
      query: z.object({ limit: z.coerce.number().int().min(1).max(1000).optional().describe('At most this many, the oldest (default: every one).') }),
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
        total: z.number().int().describe('How many dead letters there are: more than `dead` holds when `limit` cut it.'),
      }),
      handler: async ({ query }) => {
        const dead = await listDeadLetters(daemon.store, query.limit);
        // Counted only when the limit may have cut the list.
        const total = query.limit !== undefined && dead.length === query.limit ? (await countOutbox(daemon.store.db)).dead : dead.length;
        return { dead: dead.map(deadLetter), total };
      },
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
    route({
      method: 'POST',
      url: '/api/channels/:id/test',
      access: 'admin',
      summary: 'Send a test notification straight through a channel from the daemon (not via the outbox); the answer is the outcome.',
      tags: ['notify'],
      params: z.object({ id: z.string().min(1) }),
      response: z.object({
        channel: z.string(),
        kind: z.string(),
        message: z.string().describe('Id of the test message'),
        outcome: z.object({ ok: z.boolean(), retryable: z.boolean().optional(), status: z.number().int().optional(), error: z.string().optional(), detail: z.string().optional() }),
      }),
      handler: async ({ params }) => {
        const channel = daemon.config.channels.find((c) => c.id === params.id);
        if (!channel) {
          const known = daemon.config.channels.map((c) => c.id).join(', ') || 'none';
          throw new OpsbookError('OPSBOOK_E_CHANNEL_UNKNOWN', `no channel ${params.id} (configured: ${known})`, { location: { path: 'params.id' } });
        }
        const { message, outcome } = await sendTestNotification(channel, { clock: daemon.clock, publicUrl: daemon.config.server.public_url });
        const { retryAfterMs: _wait, ...shown } = outcome as typeof outcome & { retryAfterMs?: number };
        return { channel: channel.id, kind: channel.kind, message: message.id, outcome: shown };
      },
    }),
  ];
}
