import type { PagerDutyChannelConfig } from '../../../config/schema/channels.js';
import type { ChannelKind } from '../../types.js';
import { postAndClassify } from '../shared/http-post.js';
import { renderPagerDutyEvent } from './render.js';

/**
 * PagerDuty through Events API v2: trigger, acknowledge and resolve by the incident's dedup key.
 * The API answers 202 when it took the event, 400 for a body it refuses (dead letter), 429 when
 * the routing key is over its rate (retried).
 */
export const pagerDutyChannel: ChannelKind<PagerDutyChannelConfig> = {
  kind: 'pagerduty',
  async send(message, channel, ctx) {
    return postAndClassify(
      {
        url: channel.events_url,
        body: JSON.stringify(renderPagerDutyEvent(message, channel)),
        timeoutMs: channel.timeout,
        headers: { 'content-type': 'application/json', 'user-agent': 'opsbook' },
      },
      ctx,
    );
  },
};

export { renderPagerDutyEvent, pagerDutyDedupKey } from './render.js';
export { pagerDutySignature, verifyPagerDutySignature, readPagerDutyWebhook, pagerDutyActorName, type PagerDutyWebhookEvent } from './webhook.js';
