import type { TeamsChannelConfig } from '../../../config/schema/channels.js';
import type { ChannelKind } from '../../types.js';
import { postAndClassify } from '../shared/http-post.js';
import { renderTeamsCard } from './render.js';

/**
 * Microsoft Teams through a workflow webhook (Power Automate "When a Teams webhook request is
 * received"), which answers 202 and posts the card to the flow's chat or channel.
 */
export const teamsChannel: ChannelKind<TeamsChannelConfig> = {
  kind: 'teams',
  async send(message, channel, ctx) {
    return postAndClassify(
      {
        url: channel.webhook_url,
        body: JSON.stringify(renderTeamsCard(message)),
        timeoutMs: channel.timeout,
        headers: { 'content-type': 'application/json', 'user-agent': 'opsbook' },
      },
      ctx,
    );
  },
};

export { renderTeamsCard, ADAPTIVE_CARD_VERSION } from './render.js';
