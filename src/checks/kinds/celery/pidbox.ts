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
/** Replies popped at most at once after the first (a broadcast hears one per worker and method). */
const DRAIN = 1000;

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
  // Bound and broadcast in one write: a pipeline keeps the order (the binding is in place before any
  // worker reads the broadcast) without a round trip per command.
  // Workers drop a broadcast whose `expires` (their wall clock, in seconds) has passed, so a worker
  // resumed after SIGCONT does not answer stale ones. It is compared on their machine, so it is
  // wall-clock time, never a simulated clock.
  const expires = Date.now() / 1000 + opts.windowMs / 1000;
  const sent = redis.pipeline().sadd(bindingKey(REPLY_EXCHANGE), member);
  for (const [ticket, method] of tickets) {
    const body = { method, arguments: {}, destination: null, pattern: null, matcher: null, ticket, reply_to: { exchange: REPLY_EXCHANGE, routing_key: oid } };
    sent.publish(fanoutChannel(opts.db, EXCHANGE), encodeMessage(body, EXCHANGE, '', { clock: 1, expires }));
  }
  try {
    const results = (await sent.exec()) ?? [];
    const failed = results.find(([e]) => e);
    if (failed) throw failed[0];
    // PUBLISH answers how many subscribers got the broadcast: the most any method can hear back from.
    const listening = Math.max(0, ...results.slice(1).map(([, n]) => Number(n)));
    const take = (raw: string): void => {
      const message = decodeMessage(raw);
      const method = tickets.get(String(message?.headers.ticket ?? ''));
      if (!method || message?.body === null || typeof message?.body !== 'object') return;
      Object.assign(replies[method]!, message.body);
    };
    const everyoneAnswered = (): boolean => opts.methods.every((m) => Object.keys(replies[m]!).length >= listening);
    // Workers answer as they read the broadcast; everyone alive has answered within the window.
    const deadline = Date.now() + opts.windowMs;
    while (!opts.signal.aborted && !everyoneAnswered()) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      // The first reply blocks; those that came with it are popped in the same round trip (RPOP with
      // a count, Redis 6.2+: an older server answers it with an error and the next BRPOP takes them).
      const popped = (await redis.pipeline().brpop(replyQueue, Math.max(0.01, left / 1000)).rpop(replyQueue, DRAIN).exec()) ?? [];
      const [first, rest] = popped as [[Error | null, [string, string] | null] | undefined, [Error | null, string[] | null] | undefined];
      if (first?.[0]) throw first[0];
      if (first?.[1]) take(first[1][1]);
      if (!rest?.[0]) for (const raw of rest?.[1] ?? []) take(raw);
    }
    return replies;
  } finally {
    await redis.pipeline().srem(bindingKey(REPLY_EXCHANGE), member).del(replyQueue).exec().catch(() => {});
  }
}
