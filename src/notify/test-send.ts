import type { ChannelConfig } from '../config/schema/channels.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { sendThroughChannel } from './channels/index.js';
import type { DeliveryOutcome, Notification, OutboundMessage } from './types.js';

/** A `test` notification: what `opsbook notify test CHANNEL` sends. It points at opsbook itself. */
export function testNotification(channelId: string, publicUrl: string): Notification {
  return {
    channelId,
    event: 'test',
    incident: {
      id: 'test',
      title: 'opsbook test notification',
      severity: 'info',
      status: 'test',
      url: publicUrl,
      summary: `If you can read this, channel ${channelId} delivers.`,
    },
  };
}

/** Sends straight through the channel, bypassing the outbox: one attempt, its outcome reported. */
export async function sendTestNotification(
  channel: ChannelConfig,
  o: { clock: Clock; publicUrl: string; signal?: AbortSignal },
): Promise<{ message: OutboundMessage; outcome: DeliveryOutcome }> {
  const now = o.clock.now();
  const message: OutboundMessage = {
    id: newId('msg', now),
    createdAt: now,
    attempt: 1,
    notification: testNotification(channel.id, o.publicUrl),
    links: {},
  };
  const outcome = await sendThroughChannel(message, channel, { clock: o.clock, signal: o.signal ?? new AbortController().signal });
  return { message, outcome };
}
