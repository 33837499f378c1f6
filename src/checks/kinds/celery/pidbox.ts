/**
 * Celery's remote control over kombu's pidbox ("process mailbox"), as `celery inspect` does it:
 * a broadcast on the fanout exchange `celery.pidbox`, with a ticket and a reply_to naming the
 * direct exchange `reply.celery.pidbox` and a routing key of our own; each live worker LPUSHes
 * its reply to the list bound to that key. A stopped (SIGSTOP) or hung worker sends nothing.
 *
 * Redis answers PUBLISH with the number of subscribers that received the broadcast: every worker
 * listening on the pidbox, alive or stopped. When each of them has answered every method, nobody
 * else can answer and the broadcast ends early; a stopped or hung worker still costs the whole window.
 */
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { bindingKey, bindingMember, decodeMessage, encodeMessage, fanoutChannel } from './kombu.js';

const EXCHANGE = 'celery.pidbox';
const REPLY_EXCHANGE = 'reply.celery.pidbox';

/** Replies by method, then by worker name (`celery@host`). */
export type PidboxReplies = Record<string, Record<string, unknown>>;

export async function broadcast(
  redis: Redis,
  opts: { db: number; methods: string[]; windowMs: number; signal: AbortSignal },
): Promise<PidboxReplies> {
  const oid = randomUUID();
  const replyQueue = `${oid}.${REPLY_EXCHANGE}`;
  const member = bindingMember(oid, replyQueue);
  const tickets = new Map<string, string>(opts.methods.map((m) => [randomUUID(), m]));
  const replies: PidboxReplies = Object.fromEntries(opts.methods.map((m) => [m, {}]));
  await redis.sadd(bindingKey(REPLY_EXCHANGE), member);
  try {
    // Workers drop a broadcast whose `expires` (their wall clock, in seconds) has passed, so a worker
    // resumed after SIGCONT does not answer stale ones. It is compared on their machine, so it is
    // wall-clock time, never a simulated clock.
    const expires = Date.now() / 1000 + opts.windowMs / 1000;
    let listening = 0;
    for (const [ticket, method] of tickets) {
      const body = { method, arguments: {}, destination: null, pattern: null, matcher: null, ticket, reply_to: { exchange: REPLY_EXCHANGE, routing_key: oid } };
      const received = await redis.publish(fanoutChannel(opts.db, EXCHANGE), encodeMessage(body, EXCHANGE, '', { clock: 1, expires }));
      listening = Math.max(listening, received);
    }
    const everyoneAnswered = (): boolean => opts.methods.every((m) => Object.keys(replies[m]!).length >= listening);
    // Workers answer as they read the broadcast; everyone alive has answered within the window.
    const deadline = Date.now() + opts.windowMs;
    while (!opts.signal.aborted && !everyoneAnswered()) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const popped = await redis.brpop(replyQueue, Math.max(0.01, left / 1000));
      if (!popped) continue;
      const message = decodeMessage(popped[1]);
      const method = tickets.get(String(message?.headers.ticket ?? ''));
      if (!method || message?.body === null || typeof message?.body !== 'object') continue;
      Object.assign(replies[method]!, message.body);
    }
    return replies;
  } finally {
    await redis.srem(bindingKey(REPLY_EXCHANGE), member).catch(() => {});
    await redis.del(replyQueue).catch(() => {});
  }
}
