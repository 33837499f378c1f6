import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { actionUrl, verifyActionToken, verifyTwilioSignature, voiceCallbackUrl } from '../../notify/index.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { htmlPage, route, type RouteTable } from '../routes.js';
import { operationsOf } from './operations.js';

const say = (text: string) => htmlPage(`<?xml version="1.0" encoding="UTF-8"?><Response><Say>${text}</Say></Response>`);

/**
 * The voice call's key press. The provider posts the gathered digits to the acknowledge link's
 * voice callback; the request must carry the provider's signature (X-Twilio-Signature: HMAC-SHA1
 * with the channel's auth token over the callback URL and the sorted form fields), and the link's
 * own token must be valid. A "1" acknowledges the incident; the answer is TwiML read to the callee.
 */
export function voiceCallbackRoutes(daemon: Daemon): RouteTable {
  return [
    route({
      method: 'POST',
      url: '/a/:token/voice',
      access: 'public',
      summary: 'Voice call key press from a Twilio-compatible provider (X-Twilio-Signature with the channel auth token, plus the signed link token): 1 acknowledges.',
      tags: ['incidents'],
      produces: ['text/xml'],
      params: z.object({ token: z.string().min(10).max(4096) }),
      query: z.object({ channel: z.string().min(1).max(200) }),
      body: z.record(z.string(), z.string().max(4096)).default({}),
      handler: async ({ params, query, body, request, reply }) => {
        const channel = daemon.config.channels.find((c) => c.id === query.channel);
        if (!channel || channel.kind !== 'twilio') throw new OpsbookError('OPSBOOK_E_CALLBACK_SIGNATURE', `no twilio channel "${query.channel}" is configured`);
        // The URL the provider signed is the one opsbook gave it in the TwiML.
        const url = voiceCallbackUrl(actionUrl(daemon.config.server.public_url, params.token), channel.id);
        const signature = request.headers['x-twilio-signature'];
        if (!verifyTwilioSignature(channel.auth_token, url, body, typeof signature === 'string' ? signature : undefined)) {
          throw new OpsbookError('OPSBOOK_E_CALLBACK_SIGNATURE', 'the X-Twilio-Signature header does not match this request');
        }
        const checked = verifyActionToken(params.token, operationsOf(daemon).actionKey, daemon.clock);
        if (!checked.ok || checked.claims.action !== 'acknowledge') throw new OpsbookError('OPSBOOK_E_ACTION_LINK', 'this call’s acknowledge link does not work');
        void reply.type('text/xml; charset=utf-8');
        if (body.Digits !== '1') return say('Not acknowledged. Goodbye.');
        const ops = operationsOf(daemon);
        const c = checked.claims;
        const current = await ops.incidents.get(c.incidentId);
        if (current.state === 'triggered') {
          await ops.act(c.incidentId, 'acknowledge', { name: c.user ?? 'phone', role: 'responder', via: 'link' }, 'by phone (pressed 1)');
        }
        return say('Acknowledged. Thank you.');
      },
    }),
  ];
}
