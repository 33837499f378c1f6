import type { ChannelKind } from '../config/schema/channels.js';
import type { ContactKind } from '../config/schema/users.js';

/** Which channel kind serves each contact kind: the provider a person's contact needs configured. */
export const CONTACT_PROVIDER: Record<ContactKind, ChannelKind> = {
  email: 'email',
  sms: 'twilio',
  voice: 'twilio',
  phone: 'twilio',
  ntfy: 'ntfy',
  webpush: 'webpush',
  slack: 'slack',
  webhook: 'webhook',
};

/** A rule's `via` as contact kinds: `push` is ntfy and webpush; `voice` and `phone` are one kind. */
export function expandVia(via: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const v of via) {
    if (v === 'push') out.add('ntfy').add('webpush');
    else if (v === 'voice' || v === 'phone') out.add('voice').add('phone');
    else out.add(v);
  }
  return out;
}
