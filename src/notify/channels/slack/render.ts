import type { OutboundMessage } from '../../types.js';
import { eventHeadline } from '../shared/wording.js';

// Slack mrkdwn treats &, < and > as control characters (links, mentions); everything else is text.
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const truncate = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** A Slack member id (U…/W…) is mentioned; any other address is shown as written. */
function mention(recipient: { user: string; address: string }): string {
  return /^[UW][A-Z0-9]{6,}$/.test(recipient.address) ? `<@${recipient.address}>` : slackEscape(recipient.user);
}

/**
 * Block Kit payload for an incoming webhook: a header, the incident's fields, and link buttons to
 * acknowledge or resolve (signed links that work without logging in) and to open the incident.
 * `text` is the fallback shown in notifications and by clients without blocks.
 */
export function renderSlackPayload(m: OutboundMessage): Record<string, unknown> {
  const n = m.notification;
  const inc = n.incident;
  const headline = eventHeadline(n);
  const blocks: Array<Record<string, unknown>> = [{ type: 'header', text: { type: 'plain_text', text: truncate(headline, 150), emoji: true } }];
  if (inc) {
    const fields = [
      `*Severity:* ${slackEscape(inc.severity)}`,
      `*Status:* ${slackEscape(inc.status)}`,
      ...(inc.service ? [`*Service:* ${slackEscape(inc.service)}`] : []),
      `*Incident:* <${inc.url}|${slackEscape(inc.id)}>`,
    ];
    blocks.push({ type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) });
    if (inc.summary) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(slackEscape(inc.summary), 2900) } });
  }
  if (n.recipient) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Paging ${mention(n.recipient)}` }] });
  const buttons: Array<Record<string, unknown>> = [];
  if (m.links.acknowledge) {
    buttons.push({ type: 'button', action_id: 'acknowledge', style: 'primary', text: { type: 'plain_text', text: 'Acknowledge' }, url: m.links.acknowledge });
  }
  if (m.links.resolve) buttons.push({ type: 'button', action_id: 'resolve', text: { type: 'plain_text', text: 'Resolve' }, url: m.links.resolve });
  if (inc) buttons.push({ type: 'button', action_id: 'open', text: { type: 'plain_text', text: 'Open incident' }, url: inc.url });
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  const fallback = inc ? `${headline} — ${inc.url}` : headline;
  return { text: n.recipient ? `${mention(n.recipient)} ${slackEscape(fallback)}` : slackEscape(fallback), blocks };
}
