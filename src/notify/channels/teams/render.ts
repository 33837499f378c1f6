import type { OutboundMessage } from '../../types.js';
import { eventHeadline } from '../shared/wording.js';

/** The Adaptive Card version the card declares: 1.4 is what Teams renders on desktop, web and mobile. */
export const ADAPTIVE_CARD_VERSION = '1.4';

/**
 * The body a Teams workflow webhook takes: a message with one Adaptive Card attachment. The
 * buttons are `Action.OpenUrl` to the signed acknowledge and resolve links (a workflow webhook
 * posts as the flow bot, which cannot receive `Action.Submit`), then to the incident itself.
 */
export function renderTeamsCard(m: OutboundMessage): Record<string, unknown> {
  const n = m.notification;
  const inc = n.incident;
  const body: Array<Record<string, unknown>> = [
    { type: 'TextBlock', text: eventHeadline(n), weight: 'Bolder', size: 'Medium', wrap: true, ...(inc && /^(P1|sev1|critical)$/i.test(inc.severity) ? { color: 'Attention' } : {}) },
  ];
  if (inc) {
    body.push({
      type: 'FactSet',
      facts: [
        { title: 'Severity', value: inc.severity },
        { title: 'Status', value: inc.status },
        ...(inc.service ? [{ title: 'Service', value: inc.service }] : []),
        { title: 'Incident', value: inc.id },
        ...(n.recipient ? [{ title: 'Paging', value: n.recipient.user }] : []),
      ],
    });
    if (inc.summary) body.push({ type: 'TextBlock', text: inc.summary.slice(0, 2000), wrap: true });
  }
  const actions: Array<Record<string, unknown>> = [];
  if (m.links.acknowledge) actions.push({ type: 'Action.OpenUrl', title: 'Acknowledge', url: m.links.acknowledge, style: 'positive' });
  if (m.links.resolve) actions.push({ type: 'Action.OpenUrl', title: 'Resolve', url: m.links.resolve });
  if (inc) actions.push({ type: 'Action.OpenUrl', title: 'Open incident', url: inc.url });
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: ADAPTIVE_CARD_VERSION,
    body,
    ...(actions.length ? { actions } : {}),
  };
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}
