import { createHmac, timingSafeEqual } from 'node:crypto';

/** How old a Slack request may be (by its X-Slack-Request-Timestamp) before it is refused as a replay. */
export const SLACK_MAX_AGE_S = 5 * 60;

/** `v0=` hex HMAC-SHA256, keyed with the signing secret, over `v0:{timestamp}:{raw body}`. */
export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`, 'utf8').digest('hex')}`;
}

export type SlackRequestCheck = { ok: true } | { ok: false; reason: string };

/**
 * Slack's request signing: the timestamp must be within five minutes of `nowMs` (either side), and
 * the signature must match, compared in constant time.
 */
export function verifySlackRequest(secret: string, rawBody: string, timestamp: string | undefined, signature: string | undefined, nowMs: number): SlackRequestCheck {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'X-Slack-Request-Timestamp is missing or not a number' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SLACK_MAX_AGE_S) return { ok: false, reason: 'X-Slack-Request-Timestamp is more than 5 minutes from now (a replay?)' };
  if (!signature) return { ok: false, reason: 'X-Slack-Signature is missing' };
  const want = Buffer.from(slackSignature(secret, timestamp, rawBody));
  const got = Buffer.from(signature);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, reason: 'X-Slack-Signature does not match the signing secret' };
  return { ok: true };
}

/** A button press from a message, as opsbook reads Slack's `block_actions` payload. */
export interface SlackInteraction {
  /** The Slack member id of whoever pressed it. */
  userId: string;
  userName?: string;
  action: string;
  incidentId: string;
  /** The incident's re-open count when the message was sent. */
  epoch: number;
  responseUrl: string;
}

/** Reads the `payload` form field; a string saying what is wrong when it is not a button from an opsbook message. */
export function readSlackInteraction(payload: unknown): SlackInteraction | string {
  if (typeof payload !== 'string') return 'the form field "payload" is missing';
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(payload) as Record<string, unknown>;
  } catch {
    return 'the form field "payload" is not JSON';
  }
  // Valid JSON need not be an object: `null`, a list or a number is no interaction.
  if (!p || typeof p !== 'object' || Array.isArray(p)) return 'the form field "payload" is not a JSON object';
  if (p.type !== 'block_actions') return `opsbook answers block_actions only (got ${String(p.type)})`;
  const user = p.user as { id?: unknown; username?: unknown; name?: unknown } | undefined;
  const action = (Array.isArray(p.actions) ? p.actions[0] : undefined) as { action_id?: unknown; value?: unknown } | undefined;
  if (typeof user?.id !== 'string') return 'payload.user.id is missing';
  if (typeof action?.action_id !== 'string') return 'payload.actions[0].action_id is missing';
  if (typeof p.response_url !== 'string' || !/^https?:\/\//.test(p.response_url)) return 'payload.response_url is missing';
  let value: { i?: unknown; r?: unknown } = {};
  try {
    value = JSON.parse(typeof action.value === 'string' ? action.value : '{}') as typeof value;
  } catch {
    return 'payload.actions[0].value is not an opsbook button';
  }
  if (!value || typeof value !== 'object' || typeof value.i !== 'string' || (value.r !== undefined && typeof value.r !== 'number')) return 'payload.actions[0].value is not an opsbook button';
  const name = typeof user.username === 'string' ? user.username : typeof user.name === 'string' ? user.name : undefined;
  return { userId: user.id, ...(name ? { userName: name } : {}), action: action.action_id, incidentId: value.i, epoch: typeof value.r === 'number' ? value.r : 0, responseUrl: p.response_url };
}
