import type { SlackChannelConfig } from '../../../config/schema/channels.js';
import type { ChannelKind } from '../../types.js';
import { postAndClassify } from '../shared/http-post.js';
import { renderSlackPayload } from './render.js';

/**
 * Slack incoming webhook. Incoming webhooks take no idempotency key, so a retry after a lost answer
 * can post twice; the delivery log shows every attempt under the one outbox id.
 */
export const slackChannel: ChannelKind<SlackChannelConfig> = {
  kind: 'slack',
  async send(message, channel, ctx) {
    return postAndClassify(
      {
        url: channel.webhook_url,
        body: JSON.stringify(renderSlackPayload(message, { interactive: channel.signing_secret !== undefined })),
        timeoutMs: channel.timeout,
        headers: { 'content-type': 'application/json', 'user-agent': 'opsbook' },
      },
      ctx,
    );
  },
};

export { renderSlackPayload, slackEscape, type SlackRenderOptions } from './render.js';
export { slackSignature, verifySlackRequest, readSlackInteraction, SLACK_MAX_AGE_S, type SlackInteraction, type SlackRequestCheck } from './interaction.js';
