/**
 * A loopback stand-in for PagerDuty's Events API v2 (`POST /v2/enqueue`): it checks each body as
 * the API documents it (routing_key, event_action, dedup_key up to 255 characters; a trigger's
 * payload with summary up to 1024 characters, source, and severity critical|error|warning|info; an
 * ISO timestamp) and answers 202 with the dedup key, or 400 with the errors, as the API does.
 */
import { z } from 'zod';
import { startReceiver, type Receiver } from '../../src/notify/test-support.js';

const event = z.discriminatedUnion('event_action', [
  z.strictObject({
    routing_key: z.string().min(1),
    event_action: z.literal('trigger'),
    dedup_key: z.string().min(1).max(255).optional(),
    payload: z.strictObject({
      summary: z.string().min(1).max(1024),
      source: z.string().min(1),
      severity: z.enum(['critical', 'error', 'warning', 'info']),
      timestamp: z.iso.datetime().optional(),
      component: z.string().optional(),
      group: z.string().optional(),
      class: z.string().optional(),
      custom_details: z.record(z.string(), z.unknown()).optional(),
    }),
    images: z.array(z.object({ src: z.string() })).optional(),
    links: z.array(z.strictObject({ href: z.url(), text: z.string().optional() })).optional(),
    client: z.string().optional(),
    client_url: z.url().optional(),
  }),
  z.strictObject({ routing_key: z.string().min(1), event_action: z.enum(['acknowledge', 'resolve']), dedup_key: z.string().min(1).max(255) }),
]);

export type PagerDutyEvent = z.infer<typeof event>;

export interface PagerDutyStandIn {
  url: string;
  receiver: Receiver;
  /** Every event accepted, in order. */
  events: PagerDutyEvent[];
  /** Bodies refused, with why. */
  refused: string[];
  close(): Promise<void>;
}

export async function pagerDutyStandIn(routingKey: string): Promise<PagerDutyStandIn> {
  const events: PagerDutyEvent[] = [];
  const refused: string[] = [];
  const receiver = await startReceiver((req) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body);
    } catch {
      refused.push('not JSON');
      return { status: 400, body: JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors: ['not JSON'] }) };
    }
    const checked = event.safeParse(parsed);
    const errors = checked.success ? (checked.data.routing_key === routingKey ? [] : ['Invalid routing key']) : checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    if (errors.length > 0 || !checked.success) {
      refused.push(errors.join('; '));
      return { status: 400, body: JSON.stringify({ status: 'invalid event', message: 'Event object is invalid', errors }) };
    }
    events.push(checked.data);
    return { status: 202, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: checked.data.dedup_key }) };
  });
  return { url: receiver.url.replace(/\/hook$/, '/v2/enqueue'), receiver, events, refused, close: () => receiver.close() };
}
