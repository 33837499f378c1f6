/** Notifications: a durable outbox delivered at least once through webhook, Slack and email channels. */
export type {
  Notification,
  NotificationEvent,
  NotificationIncident,
  Letter,
  OutboundMessage,
  DeliveryOutcome,
  SendContext,
  ChannelAgents,
  ChannelKind,
  ActionLinks,
  NotifyLogger,
} from './types.js';
export { enqueueNotification, signalOutbox, onOutboxSignal, notificationOf, LeasedRows, type OutboxTaker } from './enqueue.js';
export { OutboxWorker, type OutboxWorkerOptions, type SettledAttempt } from './worker.js';
export { ChannelConnections, type PoolLease } from './channel-connections.js';
export { listDeadLetters, redriveDeadLetter } from './dead-letters.js';
export { cancelPages, PAGE_EVENTS } from './cancel.js';
export { backoffCeiling, nextRetry, type RetryPolicy } from './backoff.js';
export {
  createActionToken,
  verifyActionToken,
  actionUrl,
  loadActionKey,
  ActionLinkSigner,
  ACTION_KEY_NAME,
  DEFAULT_ACTION_LINK_TTL_MS,
  type ActionClaims,
  type ActionName,
  type ActionTokenCheck,
} from './action-links.js';
export { twilioSignature, verifyTwilioSignature, voiceCallbackUrl, renderNtfy, renderPushPayload } from './channels/index.js';
export { CHANNEL_KINDS, sendThroughChannel, signWebhook, renderWebhookBody, renderSlackPayload, renderEmail, renderTeamsCard } from './channels/index.js';
export { slackSignature, verifySlackRequest, readSlackInteraction, SLACK_MAX_AGE_S, postAndClassify, type SlackInteraction, type SlackRequestCheck } from './channels/index.js';
export { renderPagerDutyEvent, pagerDutyDedupKey, pagerDutySignature, verifyPagerDutySignature, readPagerDutyWebhook, pagerDutyActorName, type PagerDutyWebhookEvent } from './channels/index.js';
export { sendTestNotification, testNotification } from './test-send.js';
export type { ChannelConfig, ChannelKind as ChannelKindName } from '../config/schema/channels.js';
export { incidentDeliveries } from './delivery-log.js';
export { listDeliveries, listOutbox, countOutbox, getOutbox, type OutboxRow, type DeliveryRow } from '../store/repos/outbox.js';
export { CONTACT_PROVIDER, expandVia } from './contacts.js';
