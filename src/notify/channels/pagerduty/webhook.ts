import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * PagerDuty V3 webhooks: each request carries `X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the
 * raw body>`, one `v1=` per secret of the subscription (comma-separated while a secret rotates).
 */
export function pagerDutySignature(secret: string, rawBody: string): string {
  return `v1=${createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex')}`;
}

/** Whether any signature in the header matches any of the secrets (compared in constant time). */
export function verifyPagerDutySignature(secrets: readonly string[], rawBody: string, header: string | undefined): boolean {
  if (!header) return false;
  const given = header.split(',').map((s) => Buffer.from(s.trim()));
  for (const secret of secrets) {
    const want = Buffer.from(pagerDutySignature(secret, rawBody));
    if (given.some((g) => g.length === want.length && timingSafeEqual(g, want))) return true;
  }
  return false;
}

/** The part of a V3 webhook opsbook acts on. */
export interface PagerDutyWebhookEvent {
  id: string;
  type: string;
  /** The dedup key the incident was triggered with (`data.incident_key`). */
  incidentKey?: string;
  /** Who acted in PagerDuty (`agent.summary`), when a person did. */
  agent?: string;
  pagerDutyIncident?: string;
  url?: string;
}

/** Reads a V3 webhook body; undefined when it is not one (the route answers 400 then). */
export function readPagerDutyWebhook(body: unknown): PagerDutyWebhookEvent | undefined {
  const e = (body as { event?: Record<string, unknown> } | null)?.event;
  if (!e || typeof e !== 'object' || typeof e.event_type !== 'string') return undefined;
  const data = (e.data ?? {}) as Record<string, unknown>;
  const agent = (e.agent ?? undefined) as { summary?: unknown } | undefined;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const incidentKey = str(data.incident_key);
  const agentName = str(agent?.summary);
  const pd = str(data.id);
  const url = str(data.html_url);
  return {
    id: str(e.id) ?? '',
    type: e.event_type,
    ...(incidentKey ? { incidentKey } : {}),
    ...(agentName ? { agent: agentName } : {}),
    ...(pd ? { pagerDutyIncident: pd } : {}),
    ...(url ? { url } : {}),
  };
}

/**
 * The actor an action taken from a PagerDuty channel's webhook is recorded under. Status updates
 * caused by this actor are not sent back to that channel (no echo).
 */
export function pagerDutyActorName(channelId: string): string {
  return `pagerduty:${channelId}`;
}
