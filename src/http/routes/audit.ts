import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { auditAnchor, auditHead, listAudit } from '../../store/index.js';
import { route, type RouteTable } from '../routes.js';

/** The hash-chained audit log: pages of entries in order, and the head to publish or compare. */
export function auditRoutes(daemon: Daemon): RouteTable {
  return [
    route({
      method: 'GET',
      url: '/api/audit',
      access: 'admin',
      summary: 'Audit entries in chain order after sequence number `after` (one page); `next` is the cursor for the next.',
      tags: ['audit'],
      query: z.object({
        after: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).max(5000).default(500),
        subject: z.string().optional(),
      }),
      response: z.object({
        entries: z.array(
          z.object({ seq: z.number().int(), at: z.number(), actor: z.string(), action: z.string(), subject: z.string(), details: z.string().describe('JSON text, as hashed'), prev_hash: z.string(), hash: z.string() }),
        ),
        next: z.number().int().optional().describe('`after` of the next page'),
      }),
      handler: async ({ query }) => {
        const entries = await listAudit(daemon.store.db, { afterSeq: query.after, limit: query.limit, ...(query.subject ? { subject: query.subject } : {}) });
        return { entries, next: entries.length === query.limit ? Number(entries[entries.length - 1]!.seq) : undefined };
      },
    }),
    route({
      method: 'GET',
      url: '/api/audit/head',
      access: 'viewer',
      summary: 'The audit chain’s head: last sequence number and hash; `archived` is the last archived entry the store’s part continues from.',
      tags: ['audit'],
      response: z.object({ seq: z.number().int(), hash: z.string(), archived: z.object({ seq: z.number().int(), hash: z.string() }).optional() }),
      handler: async () => {
        const archived = await auditAnchor(daemon.store.db);
        return { ...(await auditHead(daemon.store.db)), ...(archived ? { archived } : {}) };
      },
    }),
  ];
}
