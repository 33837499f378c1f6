import type { ChannelConfig } from '../../config/schema/channels.js';
import type { ChannelKind, DeliveryOutcome, OutboundMessage, SendContext } from '../types.js';
import { emailChannel } from './email/index.js';
import { slackChannel } from './slack/index.js';
import { webhookChannel } from './webhook/index.js';
import { twilioChannel } from './twilio/index.js';
import { ntfyChannel } from './ntfy/index.js';
import { webPushChannel } from './webpush/index.js';
import { pagerDutyChannel } from './pagerduty/index.js';
import { teamsChannel } from './teams/index.js';

/** Every channel kind by name. A new kind is a folder here and one line in this map. */
export const CHANNEL_KINDS: { [K in ChannelConfig['kind']]: ChannelKind<Extract<ChannelConfig, { kind: K }>> } = {
  webhook: webhookChannel,
  slack: slackChannel,
  email: emailChannel,
  twilio: twilioChannel,
  ntfy: ntfyChannel,
  webpush: webPushChannel,
  pagerduty: pagerDutyChannel,
  teams: teamsChannel,
};

/** Sends one message through the channel's kind. */
export function sendThroughChannel(message: OutboundMessage, channel: ChannelConfig, ctx: SendContext): Promise<DeliveryOutcome> {
  const kind = CHANNEL_KINDS[channel.kind] as ChannelKind;
  return kind.send(message, channel, ctx);
}

export { signWebhook } from './webhook/index.js';
export { renderWebhookBody } from './webhook/render.js';
export { renderSlackPayload } from './slack/render.js';
export { slackSignature, verifySlackRequest, readSlackInteraction, SLACK_MAX_AGE_S, type SlackInteraction, type SlackRequestCheck } from './slack/index.js';
export { postAndClassify } from './shared/http-post.js';
export { renderEmail } from './email/render.js';
export { twilioSignature, verifyTwilioSignature, renderSms, renderVoiceTwiml, voiceCallbackUrl } from './twilio/index.js';
export { renderNtfy, ntfyActions } from './ntfy/index.js';
export { renderPushPayload } from './webpush/index.js';
export { renderPagerDutyEvent, pagerDutyDedupKey, pagerDutySignature, verifyPagerDutySignature, readPagerDutyWebhook, pagerDutyActorName, type PagerDutyWebhookEvent } from './pagerduty/index.js';
export { renderTeamsCard } from './teams/index.js';
