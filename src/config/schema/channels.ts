import { z } from 'zod';
import { duration, id, pushIssue } from './common.js';

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
  from: z.string().min(1).describe('Sender, e.g. "opsbook <ops@example.com>".'),
  to: z
    .array(z.string().min(1))
    .default([])
    .describe('Recipients when a notification names nobody; a paged person’s own address wins.'),
});

export const channelSchema = z.discriminatedUnion('kind', [webhook, slack, email]);

/** `channels:` — notification channels: webhook, Slack, email. */
export const channelsSection = z.array(channelSchema).default([]).describe('Notification channels: webhook, Slack, email.');

export type ChannelConfigInput = z.input<typeof channelSchema>;
/** A channel after validation: defaults filled, durations in milliseconds. */
export type ChannelConfig = z.output<typeof channelSchema>;
export type WebhookChannelConfig = z.output<typeof webhook>;
export type SlackChannelConfig = z.output<typeof slack>;
export type EmailChannelConfig = z.output<typeof email>;
export type ChannelKind = ChannelConfig['kind'];
