import type webpush from 'web-push';
import type { WebPushChannelConfig } from '../../../config/schema/channels.js';
import type { ChannelKind, OutboundMessage } from '../../types.js';
import { postAndClassify } from '../shared/http-post.js';
import { eventHeadline } from '../shared/wording.js';

/** What the service worker (`/sw.js`) receives and shows: title, text, and where each button goes. */
export function renderPushPayload(m: OutboundMessage): string {
  const n = m.notification;
  return JSON.stringify({
    id: m.id,
    title: eventHeadline(n),
    body: n.incident ? `${n.incident.title}${n.incident.service ? ` (${n.incident.service})` : ''}` : '',
    url: n.incident?.url,
    tag: n.incident?.id,
    actions: [
      ...(m.links.acknowledge ? [{ action: 'acknowledge', title: 'Acknowledge', url: m.links.acknowledge }] : []),
      ...(m.links.resolve ? [{ action: 'resolve', title: 'Resolve', url: m.links.resolve }] : []),
    ],
  });
}

/**
 * Web Push (RFC 8030) with VAPID (RFC 8292), payload encrypted as aes128gcm (RFC 8291) by the
 * `web-push` package; the request itself goes through opsbook's own HTTP client, so timeouts,
 * retries and Retry-After work as for every channel. The recipient's address is the subscription.
 */
export const webPushChannel: ChannelKind<WebPushChannelConfig> = {
  kind: 'webpush',
  async send(message, channel, ctx) {
    const r = message.notification.recipient;
    let subscription: webpush.PushSubscription;
    try {
      subscription = JSON.parse(r?.address ?? '') as webpush.PushSubscription;
    } catch {
      return { ok: false, retryable: false, error: 'a webpush channel sends only to a browser subscription' };
    }
    let details: webpush.RequestDetails;
    // Loaded with the first push sent, not by every process that reads the channel list.
    const { default: push } = await import('web-push');
    try {
      details = push.generateRequestDetails(subscription, renderPushPayload(message), {
        vapidDetails: { subject: channel.vapid.subject, publicKey: channel.vapid.public_key, privateKey: channel.vapid.private_key },
        TTL: 3600,
        urgency: 'high',
        contentEncoding: 'aes128gcm',
      });
    } catch (e) {
      return { ok: false, retryable: false, error: `cannot build the push request: ${(e as Error).message}` };
    }
    const headers = Object.fromEntries(Object.entries(details.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const outcome = await postAndClassify({ url: details.endpoint, body: details.body ?? '', headers: { ...headers, 'user-agent': 'opsbook' }, timeoutMs: channel.timeout }, ctx);
    // 404/410: the browser unsubscribed; retrying cannot help.
    return outcome;
  },
};
