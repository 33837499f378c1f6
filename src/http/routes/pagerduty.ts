import { z } from 'zod';
import type { Daemon } from '../../daemon/index.js';
import { pagerDutyActorName, readPagerDutyWebhook, verifyPagerDutySignature } from '../../notify/index.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { route, type RouteTable } from '../routes.js';
import { operationsOf } from './operations.js';

/** What a PagerDuty incident event asks of the opsbook incident its dedup key names. */
const ACTIONS: Record<string, 'acknowledge' | 'resolve'> = {
  'incident.acknowledged': 'acknowledge',
  'incident.resolved': 'resolve',
};

/**
 * PagerDuty V3 webhooks back into opsbook: an incident acknowledged or resolved in PagerDuty is
 * acknowledged or resolved here, recorded as the channel's actor (so the update is not sent back
 * to PagerDuty) with the PagerDuty user named in the note. Other event types are answered and ignored.
 */
export function pagerDutyRoutes(daemon: Daemon): RouteTable {
  return [
    route({
      method: 'POST',
      url: '/api/integrations/pagerduty/:channel',
      access: 'public',
      rawBody: true,
      summary: 'PagerDuty V3 webhook (X-PagerDuty-Signature with the channel’s webhook secret): acknowledged or resolved there, acknowledged or resolved here.',
      tags: ['ingest'],
      params: z.object({ channel: z.string().min(1).max(200) }),
      response: z.object({
        event: z.string().describe('The webhook’s event_type'),
        incident: z.string().optional().describe('The opsbook incident it named'),
        state: z.string().optional().describe('That incident’s state after the event'),
        ignored: z.string().optional().describe('Why nothing was done'),
      }),
      handler: async ({ params, request }) => {
        const channel = daemon.config.channels.find((c) => c.id === params.channel);
        if (!channel || channel.kind !== 'pagerduty') throw new OpsbookError('OPSBOOK_E_WEBHOOK_SIGNATURE', `no pagerduty channel "${params.channel}" is configured`);
        const header = request.headers['x-pagerduty-signature'];
        if (!verifyPagerDutySignature(channel.webhook_secrets, request.rawBody ?? '', typeof header === 'string' ? header : undefined)) {
          throw new OpsbookError('OPSBOOK_E_WEBHOOK_SIGNATURE', `X-PagerDuty-Signature does not match a webhook secret of channel ${channel.id}`);
        }
        const event = readPagerDutyWebhook(request.body);
        if (!event) throw new OpsbookError('OPSBOOK_E_REQUEST_INVALID', 'not a PagerDuty V3 webhook: event.event_type is missing', { location: { path: 'body.event.event_type' } });
        const action = ACTIONS[event.type];
        if (!action) return { event: event.type, ignored: 'opsbook acts on incident.acknowledged and incident.resolved only' };
        if (!event.incidentKey) return { event: event.type, ignored: 'the PagerDuty incident has no incident_key (it was not opened by opsbook)' };
        const ops = operationsOf(daemon);
        const current = await ops.incidents.get(event.incidentKey).catch(() => undefined);
        if (!current) return { event: event.type, ignored: `no opsbook incident ${event.incidentKey}` };
        if (['resolved', 'reviewed'].includes(current.state)) return { event: event.type, incident: current.id, state: current.state, ignored: 'the incident is already resolved here' };
        const actor = { name: pagerDutyActorName(channel.id), role: 'responder' as const, via: 'token' as const };
        const note = `${action === 'acknowledge' ? 'acknowledged' : 'resolved'} in PagerDuty${event.agent ? ` by ${event.agent}` : ''}${event.pagerDutyIncident ? ` (${event.pagerDutyIncident})` : ''}`;
        const incident = await ops.act(current.id, action, actor, note);
        return { event: event.type, incident: incident.id, state: incident.state };
      },
    }),
  ];
}
