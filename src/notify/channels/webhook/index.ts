import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { WebhookChannelConfig } from '../../../config/schema/channels.js';
import type { ChannelKind, DeliveryOutcome } from '../../types.js';
import { postAndClassify } from '../shared/http-post.js';
import { renderWebhookBody } from './render.js';

/** Each secret's key (the base64 after `whsec_`), decoded and imported once: an HMAC under a KeyObject skips the import. */
const keys = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64'));
    if (keys.size >= 1000) keys.clear();
    keys.set(secret, key);
  }
  return key;
}

/**
 * Standard Webhooks signature header: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` for each
 * secret, space-separated, so a receiver holding either the old or the new key verifies during a
 * rotation. (node:crypto's HMAC; the standardwebhooks library's verify accepts it, see the tests.)
 */
export function signWebhook(secrets: readonly string[], id: string, at: Date, body: string): string {
  // The signed text fed in two parts: joined, the body (the largest string of a page) was copied once more per send.
  const head = `${id}.${Math.floor(at.getTime() / 1000)}.`;
  const sign = (s: string) => `v1,${createHmac('sha256', keyOf(s)).update(head).update(body).digest('base64')}`;
  return secrets.length === 1 ? sign(secrets[0]!) : secrets.map(sign).join(' ');
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
