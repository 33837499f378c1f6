import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The task the world's Celery app registers for enqueued jobs (src/gameday/celery/opsbook_gameday_celery.py). */
export const CELERY_JOB_TASK = 'opsbook_gameday.job';

/**
 * A Celery task message as `app.send_task(name, queue=queue)` writes it on the Redis transport
 * (task protocol 2 in kombu's JSON envelope): a real worker consumes and runs it.
 */
export function celeryMessage(task: string, queue: string, kwargs: Record<string, unknown> = {}): string {
  const id = randomUUID();
  const body = Buffer.from(JSON.stringify([[], kwargs, { callbacks: null, errbacks: null, chain: null, chord: null }])).toString('base64');
  return JSON.stringify({
    body,
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: {
      lang: 'py', task, id, shadow: null, eta: null, expires: null, group: null, group_index: null, retries: 0,
      timelimit: [null, null], root_id: id, parent_id: null, argsrepr: '()', kwargsrepr: JSON.stringify(kwargs), origin: 'opsbook-gameday', ignore_result: true,
    },
    properties: {
      correlation_id: id, reply_to: randomUUID(), delivery_mode: 2, delivery_info: { exchange: '', routing_key: queue },
      priority: 0, body_encoding: 'base64', delivery_tag: randomUUID(),
    },
  });
}

/** LPUSHes `count` Celery jobs onto a queue (the list a worker BRPOPs): the queue's depth is real. */
export async function enqueueCeleryJobs(redis: Redis, queue: string, count: number, kwargs: Record<string, unknown> = {}): Promise<void> {
  for (let i = 0; i < count; i += 500) {
    const batch = Array.from({ length: Math.min(500, count - i) }, () => celeryMessage(CELERY_JOB_TASK, queue, kwargs));
    await redis.lpush(queue, ...batch);
  }
}

/**
 * BullMQ's shape, under a list key the system reads (`nova:email:waiting`, `bull:email:wait`): each
 * job a hash `<prefix>:<queue>:<id>` (name, data, timestamp, and for failed jobs failedReason) and its
 * id pushed onto the state's key — a list for waiting, a sorted set scored by finishedOn for failed or
 * completed, as BullMQ keeps them. Returns the ids, so they can be taken away again.
 */
export async function addBullJobs(redis: Redis, stateKey: string, count: number, now: number): Promise<string[]> {
  const base = stateKey.slice(0, stateKey.lastIndexOf(':'));
  const state = stateKey.slice(stateKey.lastIndexOf(':') + 1);
  const sorted = state === 'failed' || state === 'completed' || state === 'delayed';
  const existing = await redis.type(stateKey);
  // The system decides the key's type; a list stays a list even for failed jobs (as the seed keeps them).
  const asList = existing === 'list' || (existing === 'none' && !sorted);
  const ids = Array.from({ length: count }, () => `gameday-${randomUUID()}`);
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    const p = redis.pipeline();
    for (const id of batch) {
      p.hset(`${base}:${id}`, {
        name: 'gameday', data: '{}', opts: '{"attempts":1}', timestamp: String(now), attemptsMade: sorted ? '1' : '0',
        ...(state === 'failed' ? { failedReason: 'injected by the game day', finishedOn: String(now) } : {}),
      });
    }
    if (asList) p.lpush(stateKey, ...batch);
    else p.zadd(stateKey, ...batch.flatMap((id) => [now, id]));
    await p.exec();
  }
  return ids;
}

/** Takes jobs added by addBullJobs away again (their ids from the state's key and their hashes). */
export async function removeBullJobs(redis: Redis, stateKey: string, ids: string[]): Promise<void> {
  const base = stateKey.slice(0, stateKey.lastIndexOf(':'));
  const type = await redis.type(stateKey);
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    const p = redis.pipeline();
    if (type === 'list') for (const id of batch) p.lrem(stateKey, 0, id);
    else if (type === 'zset') p.zrem(stateKey, ...batch);
    p.del(...batch.map((id) => `${base}:${id}`));
    await p.exec();
  }
}
