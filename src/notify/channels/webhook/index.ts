import { Webhook } from 'standardwebhooks';
import type { WebhookChannelConfig } from '../../../config/schema/channels.js';
import type { ChannelKind, DeliveryOutcome } from '../../types.js';
import { postAndClassify } from '../shared/http-post.js';
import { renderWebhookBody } from './render.js';

/**
 * Standard Webhooks signature header: `v1,<base64 HMAC>` for each secret, space-separated, so a
 * receiver holding either the old or the new key verifies during a rotation.
 */
export function signWebhook(secrets: readonly string[], id: string, at: Date, body: string): string {
  return secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' ');
}

export const webhookChannel: ChannelKind<WebhookChannelConfig> = {
  kind: 'webhook',
  async send(message, channel, ctx): Promise<DeliveryOutcome> {
    const body = renderWebhookBody(message);
    // The timestamp is the attempt's, as the spec asks; the id is the message's, on every retry.
    const at = new Date(ctx.clock.now());
    const signature = signWebhook(channel.secrets, message.id, at, body);
    const outcome = await postAndClassify(
      {
        url: channel.url,
        body,
        timeoutMs: channel.timeout,
        headers: {
          ...channel.headers,
          'content-type': 'application/json',
          'user-agent': 'opsbook',
          'webhook-id': message.id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signature,
        },
      },
      ctx,
    );
    const sig = `webhook-signature: ${signature}`;
    return { ...outcome, detail: outcome.detail ? `${sig}; response: ${outcome.detail}` : sig };
  },
};
