import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { deletePushSubscription, savePushSubscription } from '../../store/index.js';
import { route, type RouteTable } from '../routes.js';

const base64url = z.string().regex(/^[A-Za-z0-9_-]+={0,2}$/, { error: 'must be base64url' });

const subscription = z.object({
  endpoint: z.url({ protocol: /^https?$/, error: 'must be the push service URL the browser gave' }).max(2048),
  keys: z.object({
    p256dh: base64url.min(80).max(100).describe("The browser's P-256 public key"),
    auth: base64url.min(16).max(32).describe('The 16-byte auth secret'),
  }),
});

/**
 * Web Push subscriptions (responders and admins: the people who get paged; a viewer changes
 * nothing): a signed-in person's browser registers the service worker
 * (`/ui/static/sw.js`), subscribes with the VAPID public key and posts the subscription here; an
 * escalation that reaches a person with a `webpush` contact then pushes to each of their browsers.
 */
export function pushRoutes(daemon: Daemon): RouteTable {
  return [
    route({
      method: 'GET',
      url: '/api/push/key',
      access: 'viewer',
      summary: 'The VAPID public key browsers subscribe with (null when no webpush channel is configured).',
      tags: ['notifications'],
      response: z.object({ publicKey: z.string().nullable() }),
      handler: () => {
        const channel = daemon.config.channels.find((c) => c.kind === 'webpush');
        return { publicKey: channel?.kind === 'webpush' ? channel.vapid.public_key : null };
      },
    }),
    route({
      method: 'POST',
      url: '/api/push/subscriptions',
      access: 'responder',
      summary: "Save this browser's push subscription for the signed-in person.",
      tags: ['notifications'],
      status: 201,
      body: subscription,
      response: z.object({ user: z.string(), endpoint: z.string() }),
      handler: async ({ body, actor }) => {
        await savePushSubscription(daemon.store.db, { endpoint: body.endpoint, user_name: actor!.name, p256dh: body.keys.p256dh, auth: body.keys.auth, created_at: daemon.clock.now() });
        return { user: actor!.name, endpoint: body.endpoint };
      },
    }),
    route({
      method: 'DELETE',
      url: '/api/push/subscriptions',
      access: 'responder',
      summary: "Forget one of the signed-in person's browser subscriptions.",
      tags: ['notifications'],
      body: z.object({ endpoint: z.string().min(1).max(2048) }),
      response: z.object({ removed: z.boolean() }),
      handler: async ({ body, actor }) => ({ removed: await deletePushSubscription(daemon.store.db, body.endpoint, actor!.name) }),
    }),
  ];
}
