import { z } from 'zod';
import { seriesKey } from '../series.js';
import type { AlertEvent } from '../types.js';
import { severityFromLabel, type IngestDefaults } from './alertmanager.js';

/** The events API body: the PagerDuty Events v2 shape, so existing senders work unchanged. */
export const eventPayload = z.object({
  routing_key: z.string().min(1).describe('The integration key.'),
  event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
  dedup_key: z.string().min(1).max(255).optional().describe('Identifies the alert; required for acknowledge and resolve.'),
  payload: z
    .object({
      summary: z.string().min(1).max(1024),
      source: z.string().min(1),
      severity: z.enum(['critical', 'error', 'warning', 'info']),
      timestamp: z.string().optional(),
      component: z.string().optional(),
      group: z.string().optional(),
      class: z.string().optional(),
      custom_details: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  client: z.string().optional(),
  client_url: z.string().optional(),
  links: z.array(z.object({ href: z.string(), text: z.string().optional() })).optional(),
});

export type EventPayload = z.infer<typeof eventPayload>;

/** Rule id of events from one integration: every dedup key of that integration lives under it. */
export function eventRuleId(integrationId: string): string {
  return `events:${integrationId}`;
}

export function eventDedupKey(integrationId: string, dedupKey: string): string {
  return seriesKey(eventRuleId(integrationId), { dedup_key: dedupKey });
}

/** A trigger or resolve as an `AlertEvent` (acknowledge acts on the incident, not the alert). */
export function alertFromEvent(integrationId: string, body: EventPayload & { dedup_key: string }, now: number, defaults: IngestDefaults): AlertEvent {
  const p = body.payload;
  const labels: Record<string, string> = {
    ...(defaults.labels ?? {}),
    dedup_key: body.dedup_key,
    ...(p?.source ? { source: p.source } : {}),
    ...(p?.component ? { component: p.component } : {}),
    ...(p?.group ? { group: p.group } : {}),
    ...(p?.class ? { class: p.class } : {}),
  };
  const at = p?.timestamp && Number.isFinite(Date.parse(p.timestamp)) ? Date.parse(p.timestamp) : now;
  return {
    kind: body.event_action === 'resolve' ? 'resolved' : 'firing',
    ruleId: eventRuleId(integrationId),
    dedupKey: eventDedupKey(integrationId, body.dedup_key),
    labels,
    annotations: { summary: p?.summary ?? body.dedup_key },
    severity: severityFromLabel(p?.severity, defaults.ladder),
    at,
  };
}
