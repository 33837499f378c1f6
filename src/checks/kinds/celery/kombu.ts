/**
 * Kombu's Redis transport, the parts a Celery probe needs (kombu 5, `transport/redis.py`): a
 * message is a JSON envelope whose body is base64 JSON; fanout exchanges are Redis PUBLISH on
 * `/<db>.<exchange>[/<routing key>]`; direct exchanges LPUSH to every list bound in the set
 * `_kombu.binding.<exchange>`, whose members are `routing key SEP pattern SEP queue`.
 */
import { randomUUID } from 'node:crypto';

export const SEP = '\x06\x16';
/** Kombu's priority steps: a message of priority p > 0 sits in the list `<queue>SEP<step>`. */
export const PRIORITY_STEPS = [0, 3, 6, 9];

export interface KombuEnvelope {
  body: string;
  'content-encoding'?: string;
  'content-type'?: string;
  headers?: Record<string, unknown>;
  properties?: { body_encoding?: string; [k: string]: unknown };
}

export function fanoutChannel(db: number, exchange: string, routingKey = ''): string {
  return `/${db}.${exchange}${routingKey ? `/${routingKey}` : ''}`;
}

export function bindingKey(exchange: string): string {
  return `_kombu.binding.${exchange}`;
}

export function bindingMember(routingKey: string, queue: string): string {
  return [routingKey, '', queue].join(SEP);
}

export function encodeMessage(body: unknown, exchange: string, routingKey: string, headers: Record<string, unknown>): string {
  const envelope: KombuEnvelope = {
    body: Buffer.from(JSON.stringify(body)).toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers,
    properties: {
      delivery_mode: 1,
      delivery_info: { exchange, routing_key: routingKey },
      priority: 0,
      body_encoding: 'base64',
      delivery_tag: randomUUID(),
    },
  };
  return JSON.stringify(envelope);
}

/** The envelope and its decoded JSON body; undefined for anything that is not a JSON kombu message. */
export function decodeMessage(raw: string): { headers: Record<string, unknown>; body: unknown } | undefined {
  try {
    const envelope = JSON.parse(raw) as KombuEnvelope;
    if (typeof envelope.body !== 'string' || envelope['content-type'] !== 'application/json') return undefined;
    const text = envelope.properties?.body_encoding === 'base64' ? Buffer.from(envelope.body, 'base64').toString('utf8') : envelope.body;
    return { headers: envelope.headers ?? {}, body: JSON.parse(text) };
  } catch {
    return undefined;
  }
}
