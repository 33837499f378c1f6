import type { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import type { CheckKind, Observation } from '../../types.js';
import { errorText } from '../shared/observe-http.js';
import { BeatWatcher } from './beat.js';
import { PRIORITY_STEPS, SEP } from './kombu.js';
import { broadcast } from './pidbox.js';
import { celerySchema, type CeleryOptions } from './schema.js';

/** What a beat window's grace leaves of the check's timeout at least: the run ends in time, not by it. */
const BEAT_GRACE_MARGIN_MS = 100;

function countLists(replies: Record<string, unknown>): number {
  return Object.values(replies).reduce<number>((s, r) => s + (Array.isArray(r) ? r.length : 0), 0);
}

/** The check's beat watcher, kept in its state between runs; a new one when it ended or its broker or tasks changed. */
function beatWatcher(state: Record<string, unknown>, key: string, create: () => BeatWatcher): BeatWatcher {
  const held = state.beat as { key: string; watcher: BeatWatcher } | undefined;
  if (held && held.key === key && !held.watcher.ended) return held.watcher;
  releaseBeat(state);
  const watcher = create();
  state.beat = { key, watcher };
  return watcher;
}

function releaseBeat(state: Record<string, unknown>): void {
  (state.beat as { watcher: BeatWatcher } | undefined)?.watcher.close();
  delete state.beat;
}

/**
 * Celery over its Redis broker, speaking kombu's pidbox protocol itself (no Python here):
 * broadcasts `ping`, `active_queues`, `active` and `reserved`, and counts the workers that answer
 * within reply_window (or until every worker listening has answered), per queue they consume.
 * Optionally watches task-sent events to count the beat instances of the last beat_window and
 * when each periodic task was last sent (beat.ts).
 */
export const celeryKind: CheckKind<CeleryOptions> = {
  ...celerySchema,
  run: async (config, ctx): Promise<Observation> => {
    const started = performance.now();
    const url = new URL(config.broker);
    const db = Number(url.pathname.replace('/', '') || 0);
    // Nothing before the PING, which answers for the broker: no ready check, no CLIENT SETINFO (see the redis kind).
    const options = { lazyConnect: true, connectTimeout: ctx.timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, enableReadyCheck: false, disableClientInfo: true, retryStrategy: () => null };
    // ioredis is loaded on the first run, not when the config loads.
    const { Redis } = await import('ioredis');
    const redis: Redis = new Redis(config.broker, options);
    redis.on('error', () => {});
    const beat = config.beat_window > 0 ? beatWatcher(ctx.state, `${config.broker} ${config.beat_tasks.join(' ')}`, () => {
      const subscriber = new Redis(config.broker, options);
      subscriber.on('error', () => {});
      return new BeatWatcher(subscriber, { db, tasks: config.beat_tasks, clock: ctx.clock });
    }) : undefined;
    const onAbort = (): void => {
      redis.disconnect();
      if (beat) releaseBeat(ctx.state);
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const values: Observation['values'] = { CONNECTED: false };
    try {
      await redis.connect();
      await redis.ping();
      values.CONNECTED = true;
      // Every queue's priority lists measured in one round trip.
      const lists = config.queues.flatMap((q) => PRIORITY_STEPS.map((p) => ['llen', p === 0 ? q : `${q}${SEP}${p}`]));
      const lengths = (await redis.pipeline(lists).exec()) ?? [];
      const messages: Record<string, number> = {};
      config.queues.forEach((q, i) => {
        let n = 0;
        for (let j = 0; j < PRIORITY_STEPS.length; j++) {
          const [err, len] = lengths[i * PRIORITY_STEPS.length + j] ?? [null, 0];
          if (err) throw err;
          n += Number(len);
        }
        messages[q] = n;
      });
      values.MESSAGES = messages;
      values.LENGTH = Object.values(messages).reduce((s, n) => s + n, 0);
      await beat?.subscribe();
      // On the check's clock: from here on, a watched task not seen sent is at least this old.
      if (beat) ctx.state.beatSince ??= ctx.clock.now();
      const replies = await broadcast(redis, {
        db,
        methods: ['ping', 'active_queues', 'active', 'reserved'],
        windowMs: config.reply_window,
        signal: ctx.signal,
      });
      const alive = Object.keys(replies.ping!).sort();
      values.WORKERS_ALIVE = alive.length;
      values.WORKER_NAMES = alive;
      const workers: Record<string, number> = Object.fromEntries(config.queues.map((q) => [q, 0]));
      for (const [worker, queues] of Object.entries(replies.active_queues!)) {
        if (!alive.includes(worker) || !Array.isArray(queues)) continue;
        for (const q of queues as { name?: string }[]) if (q.name) workers[q.name] = (workers[q.name] ?? 0) + 1;
      }
      values.WORKERS = workers;
      values.ACTIVE = countLists(replies.active!);
      values.RESERVED = countLists(replies.reserved!);
      if (beat) {
        // An empty window is given up to two more to see the beat send (beat.ts), within the timeout.
        const left = ctx.timeoutMs - (performance.now() - started) - Math.max(BEAT_GRACE_MARGIN_MS, ctx.timeoutMs / 10);
        const seen = await beat.observe(config.beat_window, ctx.signal, Math.max(0, Math.min(2 * config.beat_window, left)));
        const last = (ctx.state.lastSent ??= {}) as Record<string, number>;
        for (const [task, at] of Object.entries(seen.lastSent)) last[task] = Math.max(last[task] ?? 0, at);
        values.BEAT_INSTANCES = seen.instances;
        values.BEAT_SENDERS = seen.senders;
        values.PERIODIC_SENT = seen.sent;
        // Age of each task's latest send on the check's clock, remembered across runs of this check;
        // a task never seen sent is as old as the listening (beat.ts).
        const now = ctx.clock.now();
        const since = ctx.state.beatSince as number;
        values.LAST_SENT = Object.fromEntries(config.beat_tasks.map((t) => [t, Math.max(0, now - (last[t] ?? since))]));
      }
      values.RESPONSE_TIME = Math.round(performance.now() - started);
      return { values, value: alive.length };
    } catch (e) {
      if (beat) releaseBeat(ctx.state);
      return { values, error: errorText(e) };
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      redis.disconnect();
    }
  },
  release: (state) => releaseBeat(state),
};
