import { z } from 'zod';
import { duration, id, mailbox, pushIssue } from './common.js';

/**
 * `channels:` — where notifications go. Each channel is one of webhook (signed per Standard
 * Webhooks), slack (incoming webhook, Block Kit) or email (SMTP). Secrets are written as `${VAR}`
 * and expanded from the environment by the loader; they never need to sit in the file.
 */

const retry = z
  .strictObject({
    max_age: duration({ min: '1s', max: '7d' }).prefault('24h').describe('Give up (dead letter) once a message has been failing this long (default 24h).'),
    initial: duration({ min: '1ms', max: '1h' }).prefault('1s').describe('Backoff before the first retry; doubles each attempt, with full jitter (default 1s).'),
    max_interval: duration({ min: '1ms', max: '1d' }).prefault('10m').describe('Longest wait between two attempts (default 10m).'),
  })
  .prefault({})
  .describe('Retries on 5xx, 429, timeouts and network errors; other failures go to the dead letters at once.');

const common = {
  id: id().describe('Channel id; escalation steps and `opsbook notify test ID` refer to it.'),
  timeout: duration({ min: '10ms', max: '5m' }).prefault('10s').describe('An attempt taking longer counts as failed and is retried (default 10s).'),
  retry,
};

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

// Standard Webhooks: `whsec_` then base64 of a 24–64 byte key.
const webhookSecret = z.string().superRefine((s, ctx) => {
  const body = s.startsWith('whsec_') ? s.slice(6) : undefined;
  const bytes = body !== undefined && /^[A-Za-z0-9+/]+={0,2}$/.test(body) ? Buffer.from(body, 'base64').length : 0;
  if (bytes < 24 || bytes > 64) {
    pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', 'must be a Standard Webhooks secret: whsec_ then base64 of 24–64 random bytes (opsbook notify secret prints one)', '***');
  }
});

const webhook = z.strictObject({
  kind: z.literal('webhook').describe('Channel kind: webhook.'),
  ...common,
  url: httpUrl.describe('Where to POST the signed JSON.'),
  secrets: z
    .array(webhookSecret)
    .min(1, { error: 'needs at least one signing secret' })
    .describe('Signing secrets (whsec_…); the first signs, all are sent while a key is being rotated.'),
  headers: z
    .record(z.string(), z.string().describe('Header value; write ${VAR} for a token.'))
    .default({})
    .describe('Extra request headers (e.g. Authorization).'),
});

const slack = z.strictObject({
  kind: z.literal('slack').describe('Channel kind: slack.'),
  ...common,
  webhook_url: httpUrl.describe('Slack incoming webhook URL (https://hooks.slack.com/services/…).'),
  signing_secret: z
    .string()
    .min(8)
    .optional()
    .describe('The Slack app’s signing secret; write ${VAR}. Set, the buttons act in place (the app’s Interactivity Request URL is /api/integrations/slack/ID); unset, they are signed links.'),
});

const email = z.strictObject({
  kind: z.literal('email').describe('Channel kind: email.'),
  ...common,
  smtp: z
    .strictObject({
      host: z.string().min(1).describe('SMTP server host name.'),
      port: z.int().min(1).max(65_535).default(587).describe('SMTP port (default 587; 465 with secure: true).'),
      secure: z.boolean().default(false).describe('TLS from the first byte (port 465); otherwise STARTTLS when offered.'),
      user: z.string().optional().describe('SMTP user name.'),
      password: z.string().optional().describe('SMTP password; write ${VAR}.'),
    })
    .describe('The SMTP server that relays the mail.'),
  from: mailbox().describe('Sender, e.g. "opsbook <ops@example.com>".'),
  to: z
    .array(mailbox())
    .default([])
    .describe('Recipients when a notification names nobody; a paged person’s own address wins.'),
});

const twilio = z.strictObject({
  kind: z.literal('twilio').describe('Channel kind: twilio (SMS and voice calls through a Twilio-compatible REST API).'),
  ...common,
  base_url: httpUrl.default('https://api.twilio.com').describe('API base URL (default https://api.twilio.com); any compatible provider or gateway.'),
  account_sid: z.string().min(1).describe('Account SID: the basic-auth user and the /Accounts/{sid}/ path segment.'),
  auth_token: z.string().min(1).describe('Auth token: the basic-auth password and the key of the voice callback signature; write ${VAR}.'),
  from: z.string().min(1).describe('Sending phone number (E.164, e.g. +15005550006).'),
});

const ntfy = z.strictObject({
  kind: z.literal('ntfy').describe('Channel kind: ntfy (push to phones through a self-hostable ntfy server).'),
  ...common,
  server: httpUrl.default('https://ntfy.sh').describe('ntfy server (default https://ntfy.sh); a person’s ntfy contact names the topic.'),
  token: z.string().optional().describe('Access token sent as Authorization: Bearer; write ${VAR}.'),
  priorities: z
    .record(z.string(), z.int().min(1).max(5))
    .default({ P1: 5, P2: 4, P3: 3, P4: 2 })
    .describe('ntfy priority (1–5) per severity id (default P1 5, P2 4, P3 3, P4 2; others 3).'),
});

const webpush = z.strictObject({
  kind: z.literal('webpush').describe('Channel kind: webpush (Web Push with VAPID to browsers signed in to the UI).'),
  ...common,
  vapid: z
    .strictObject({
      subject: z.string().regex(/^(mailto:|https:\/\/)/, { error: 'must be a mailto: or https:// URL' }).describe('Contact for push services: mailto:… or https://….'),
      public_key: z.string().min(1).describe('VAPID public key (base64url; npx web-push generate-vapid-keys).'),
      private_key: z.string().min(1).describe('VAPID private key (base64url); write ${VAR}.'),
    })
    .describe('The VAPID key pair that identifies this opsbook to push services.'),
});

const pagerduty = z.strictObject({
  kind: z.literal('pagerduty').describe('Channel kind: pagerduty (Events API v2 out; V3 webhooks back in).'),
  ...common,
  routing_key: z.string().min(1).describe('Integration key (routing_key) of the PagerDuty service’s Events API v2 integration; write ${VAR}.'),
  events_url: httpUrl.default('https://events.pagerduty.com/v2/enqueue').describe('Events API v2 endpoint (default https://events.pagerduty.com/v2/enqueue; EU accounts use events.eu.pagerduty.com).'),
  source: z.string().min(1).default('opsbook').describe('`payload.source` of the events sent (default opsbook).'),
  severities: z
    .record(z.string(), z.enum(['critical', 'error', 'warning', 'info']))
    .default({ P1: 'critical', P2: 'error', P3: 'warning', P4: 'info' })
    .describe('PagerDuty severity per severity id (default P1 critical, P2 error, P3 warning, P4 info; others critical).'),
  webhook_secrets: z
    .array(z.string().min(8))
    .default([])
    .describe('Secrets of the V3 webhook subscriptions that POST to /api/integrations/pagerduty/ID; a request must carry a valid X-PagerDuty-Signature for one of them. Empty: incoming webhooks are refused.'),
});

const teams = z.strictObject({
  kind: z.literal('teams').describe('Channel kind: teams (Microsoft Teams workflow webhook, Adaptive Card).'),
  ...common,
  webhook_url: httpUrl.describe('The Teams workflow’s “When a Teams webhook request is received” URL; write ${VAR}.'),
});

export const channelSchema = z.discriminatedUnion('kind', [webhook, slack, email, twilio, ntfy, webpush, pagerduty, teams]);

/** `channels:` — notification channels: webhook, Slack, email, Twilio SMS/voice, ntfy, Web Push, PagerDuty, Teams. */
export const channelsSection = z
  .array(channelSchema)
  .default([])
  .describe('Notification channels: webhook, Slack, email, twilio (SMS and voice), ntfy, webpush, pagerduty, teams.');

export type ChannelConfigInput = z.input<typeof channelSchema>;
/** A channel after validation: defaults filled, durations in milliseconds. */
export type ChannelConfig = z.output<typeof channelSchema>;
export type WebhookChannelConfig = z.output<typeof webhook>;
export type SlackChannelConfig = z.output<typeof slack>;
export type EmailChannelConfig = z.output<typeof email>;
export type TwilioChannelConfig = z.output<typeof twilio>;
export type NtfyChannelConfig = z.output<typeof ntfy>;
export type WebPushChannelConfig = z.output<typeof webpush>;
export type PagerDutyChannelConfig = z.output<typeof pagerduty>;
export type TeamsChannelConfig = z.output<typeof teams>;
export type ChannelKind = ChannelConfig['kind'];
