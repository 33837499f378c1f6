import type { OutboundMessage } from '../../types.js';

/**
 * The webhook body, shaped as Standard Webhooks recommends: `{ type, timestamp, data }`. It is a
 * function of the outbox row only, so every retry sends the same bytes under the same id.
 */
export function renderWebhookBody(m: OutboundMessage): string {
  const n = m.notification;
  return JSON.stringify({
    type: n.event,
    timestamp: new Date(m.createdAt).toISOString(),
    data: {
      id: m.id,
      channel: n.channelId,
      ...(n.incident ? { incident: n.incident } : {}),
      ...(n.recipient ? { recipient: n.recipient } : {}),
      ...(n.shift ? { shift: n.shift } : {}),
      ...(n.letter ? { message: n.letter } : {}),
      ...(m.links.acknowledge || m.links.resolve ? { links: m.links } : {}),
    },
  });
}
