import type { PagerDutyChannelConfig } from '../../../config/schema/channels.js';
import type { OutboundMessage } from '../../types.js';
import { eventHeadline } from '../shared/wording.js';

export type PagerDutyAction = 'trigger' | 'acknowledge' | 'resolve';

/** What each opsbook event asks of PagerDuty; a re-page (escalated) triggers again under the same key, which PagerDuty folds in. */
const ACTION: Record<string, PagerDutyAction> = {
  'incident.triggered': 'trigger',
  'incident.escalated': 'trigger',
  'incident.reopened': 'trigger',
  // Folded into the open alert under the same key, its payload carrying the new severity.
  'incident.severity_raised': 'trigger',
  'incident.acknowledged': 'acknowledge',
  'incident.resolved': 'resolve',
  test: 'trigger',
};

/**
 * The dedup key of an incident in PagerDuty: the opsbook incident id, so a V3 webhook's
 * `incident_key` names the incident here. A test message gets a key of its own.
 */
export function pagerDutyDedupKey(m: OutboundMessage): string {
  return m.notification.incident?.id ?? `opsbook-test-${m.id}`;
}

/** An Events API v2 body (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/). */
export function renderPagerDutyEvent(m: OutboundMessage, channel: PagerDutyChannelConfig): Record<string, unknown> {
  const n = m.notification;
  const action = ACTION[n.event] ?? 'trigger';
  const base = { routing_key: channel.routing_key, event_action: action, dedup_key: pagerDutyDedupKey(m) };
  if (action !== 'trigger') return base;
  const inc = n.incident;
  const links = [...(inc ? [{ href: inc.url, text: 'Open in opsbook' }] : []), ...(m.links.acknowledge ? [{ href: m.links.acknowledge, text: 'Acknowledge in opsbook' }] : [])];
  return {
    ...base,
    payload: {
      summary: eventHeadline(n).slice(0, 1024),
      source: channel.source,
      severity: inc ? (channel.severities[inc.severity] ?? 'critical') : 'info',
      timestamp: new Date(m.createdAt).toISOString(),
      ...(inc?.service ? { component: inc.service } : {}),
      custom_details: {
        ...(inc ? { incident: inc.id, severity: inc.severity, status: inc.status } : {}),
        ...(inc?.summary ? { summary: inc.summary } : {}),
        ...(n.recipient ? { paging: n.recipient.user } : {}),
      },
    },
    client: 'opsbook',
    ...(inc ? { client_url: inc.url } : {}),
    ...(links.length ? { links } : {}),
  };
}
