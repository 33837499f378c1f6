import type { OutboundMessage } from '../../types.js';
import { eventHeadline } from '../shared/wording.js';

// Slack mrkdwn treats &, < and > as control characters (links, mentions); everything else is text.
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface SlackRenderOptions {
  /** Buttons that post back to opsbook's interaction route instead of opening signed links. */
  interactive?: boolean;
  /** Context lines under the fields, e.g. who acknowledged from Slack. */
  notes?: string[];
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
export function renderSlackPayload(m: OutboundMessage, options: SlackRenderOptions = {}): Record<string, unknown> {
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
      // Slack shows the instant in each reader's own zone, with the UTC time as the fallback text.
      ...(inc.openedAt !== undefined ? [`*Opened:* <!date^${Math.floor(inc.openedAt / 1000)}^{date_short_pretty} {time}|${new Date(inc.openedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC>`] : []),
      ...(inc.runbook ? [`*Runbook:* ${inc.runbookUrl ? `<${inc.runbookUrl}|${slackEscape(inc.runbook)}>` : slackEscape(inc.runbook)}`] : []),
    ];
    blocks.push({ type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) });
    if (inc.summary) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(slackEscape(inc.summary), 2900) } });
  }
  if (n.letter) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(slackEscape(n.letter.text), 2900) } });
  if (n.recipient) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Paging ${mention(n.recipient)}` }] });
  for (const line of options.notes ?? []) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(line) }] });
  const buttons: Array<Record<string, unknown>> = [];
  // Interactive: the buttons post back to opsbook (signed by Slack) and carry the incident and its opening.
  const value = inc ? JSON.stringify({ i: inc.id, r: n.incidentEpoch ?? 0 }) : '';
  const button = (action: string, text: string, url: string | undefined, style?: string) =>
    options.interactive && inc
      ? { type: 'button', action_id: action, ...(style ? { style } : {}), text: { type: 'plain_text', text }, value }
      : { type: 'button', action_id: action, ...(style ? { style } : {}), text: { type: 'plain_text', text }, url };
  if (m.links.acknowledge) buttons.push(button('acknowledge', 'Acknowledge', m.links.acknowledge, 'primary'));
  if (m.links.resolve) buttons.push(button('resolve', 'Resolve', m.links.resolve));
  if (options.interactive && inc?.runbook && m.links.acknowledge) buttons.push(button('diagnose', 'Run diagnosis', undefined));
  if (inc) buttons.push({ type: 'button', action_id: 'open', text: { type: 'plain_text', text: 'Open incident' }, url: inc.url });
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  const fallback = inc ? `${headline} — ${inc.url}` : headline;
  return { text: n.recipient ? `${mention(n.recipient)} ${slackEscape(fallback)}` : slackEscape(fallback), blocks };
}
