import type { NtfyChannelConfig } from '../../../config/schema/channels.js';
import type { ChannelKind, OutboundMessage } from '../../types.js';
import { postAndClassify } from '../shared/http-post.js';
import { eventHeadline } from '../shared/wording.js';

/** Header values are ASCII; anything else goes as an RFC 2047 encoded word, which ntfy decodes. */
function headerText(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;
}

/** ntfy's `Actions` header: buttons that open the signed acknowledge and resolve links. */
export function ntfyActions(m: OutboundMessage): string | undefined {
  const actions: string[] = [];
  if (m.links.acknowledge) actions.push(`view, Acknowledge, ${m.links.acknowledge}, clear=true`);
  if (m.links.resolve) actions.push(`view, Resolve, ${m.links.resolve}, clear=true`);
  return actions.length ? actions.join('; ') : undefined;
}

/** The POST ntfy receives: topic URL, body text, and its headers (Title, Priority, Tags, Click, Actions). */
export function renderNtfy(m: OutboundMessage, channel: NtfyChannelConfig): { url: string; body: string; headers: Record<string, string> } {
  const n = m.notification;
  const topic = n.recipient?.address ?? '';
  const url = /^https?:\/\//.test(topic) ? topic : `${channel.server.replace(/\/+$/, '')}/${encodeURIComponent(topic)}`;
  const priority = n.incident ? (channel.priorities[n.incident.severity] ?? 3) : 3;
  const actions = ntfyActions(m);
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=utf-8',
    'user-agent': 'opsbook',
    title: headerText(eventHeadline(n)),
    priority: String(priority),
    tags: [n.incident?.severity, n.event.replace('incident.', '')].filter(Boolean).join(','),
    'x-opsbook-message-id': m.id,
    ...(n.incident ? { click: n.incident.url } : {}),
    ...(actions ? { actions } : {}),
    ...(channel.token ? { authorization: `Bearer ${channel.token}` } : {}),
  };
  const body = [n.incident?.title, n.incident?.service ? `service ${n.incident.service}` : undefined, n.incident?.summary, n.letter?.text].filter(Boolean).join('\n') || eventHeadline(n);
  return { url, body, headers };
}

/** Push to phones through ntfy: the paged person's ntfy contact is the topic (or a full topic URL). */
export const ntfyChannel: ChannelKind<NtfyChannelConfig> = {
  kind: 'ntfy',
  async send(message, channel, ctx) {
    if (!message.notification.recipient) return { ok: false, retryable: false, error: 'an ntfy channel sends only to a person (their ntfy topic)' };
    const r = renderNtfy(message, channel);
    return postAndClassify({ ...r, timeoutMs: channel.timeout }, ctx);
  },
};
