import type { OutboundMessage } from '../../types.js';
import { eventHeadline } from '../shared/wording.js';

const xml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/** The SMS text: the headline, the signed acknowledge link, the incident page. */
export function renderSms(m: OutboundMessage): string {
  const n = m.notification;
  const lines = [eventHeadline(n)];
  if (m.links.acknowledge) lines.push(`Ack: ${m.links.acknowledge}`);
  if (n.incident) lines.push(n.incident.url);
  return lines.join('\n');
}

/** Where the provider posts the digits the callee pressed: the acknowledge link's voice callback. */
export function voiceCallbackUrl(ackLink: string, channelId: string): string {
  return `${ackLink}/voice?channel=${encodeURIComponent(channelId)}`;
}

/**
 * TwiML for the call: read the page, gather one digit; "1" posts to the signed acknowledge link's
 * voice callback, which checks the provider's signature before acknowledging.
 */
export function renderVoiceTwiml(m: OutboundMessage, channelId: string): string {
  const n = m.notification;
  const said = n.incident ? `opsbook page. Severity ${n.incident.severity}. ${n.incident.title}.` : eventHeadline(n);
  if (!m.links.acknowledge) return `<Response><Say>${xml(said)}</Say></Response>`;
  const action = voiceCallbackUrl(m.links.acknowledge, channelId);
  return (
    `<Response><Gather numDigits="1" timeout="10" method="POST" action="${xml(action)}">` +
    `<Say>${xml(said)} Press 1 to acknowledge.</Say></Gather><Say>No key pressed. Goodbye.</Say></Response>`
  );
}
