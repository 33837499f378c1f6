import type { TwilioChannelConfig } from '../../../config/schema/channels.js';
import type { ChannelKind } from '../../types.js';
import { postAndClassify } from '../shared/http-post.js';
import { renderSms, renderVoiceTwiml } from './render.js';

/**
 * SMS and voice calls through a Twilio-compatible REST API: `POST {base}/2010-04-01/Accounts/{sid}/
 * Messages.json` (To, From, Body) or `Calls.json` (To, From, Twiml), form-encoded, basic auth with
 * the account SID and auth token. The paged person's contact says which: sms, or voice.
 */
export const twilioChannel: ChannelKind<TwilioChannelConfig> = {
  kind: 'twilio',
  async send(message, channel, ctx) {
    const r = message.notification.recipient;
    if (!r) return { ok: false, retryable: false, error: 'a twilio channel sends only to a person (their sms or voice contact)' };
    const voice = r.contact === 'voice' || r.contact === 'phone';
    const form = new URLSearchParams({ To: r.address, From: channel.from });
    if (voice) form.set('Twiml', renderVoiceTwiml(message, channel.id));
    else form.set('Body', renderSms(message));
    const base = channel.base_url.replace(/\/+$/, '');
    return postAndClassify(
      {
        url: `${base}/2010-04-01/Accounts/${encodeURIComponent(channel.account_sid)}/${voice ? 'Calls' : 'Messages'}.json`,
        body: form.toString(),
        timeoutMs: channel.timeout,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${channel.account_sid}:${channel.auth_token}`).toString('base64')}`,
          'user-agent': 'opsbook',
          // Providers that honour it dedupe retries of one message.
          'i-twilio-idempotency-token': message.id,
        },
      },
      ctx,
    );
  },
};

export { twilioSignature, verifyTwilioSignature } from './signature.js';
export { renderSms, renderVoiceTwiml, voiceCallbackUrl } from './render.js';
