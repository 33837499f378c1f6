import { performance } from 'node:perf_hooks';
import type { CheckKind, Observation } from '../../types.js';
import { errorText } from '../shared/observe-http.js';
import { bullmqCounts, keyLengths, parseInfo, scanKeys } from './lengths.js';
import { redisSchema, type RedisOptions } from './schema.js';

/**
 * PING, plus optionally an INFO field, a key's or pattern's length, or BullMQ counts. One short
 * connection per run: checks are minutes apart for Redis, and a pooled connection would hide
 * exactly the connection failures the check is for. The connection sends nothing before the PING:
 * no ready check (ioredis would send INFO, several KiB parsed, on every new connection to wait out a
 * server still loading its data set; the PING answers for the server, LOADING while it loads) and no
 * CLIENT SETINFO naming the library (a round trip for a connection that lasts one run).
 */
export const redisKind: CheckKind<RedisOptions> = {
  ...redisSchema,
  run: async (config, ctx): Promise<Observation> => {
    // Loaded on the first run: validating a config or starting the CLI needs no driver.
    const { Redis } = await import('ioredis');
    const started = performance.now();
    const redis = new Redis(config.url, {
      lazyConnect: true,
      connectTimeout: ctx.timeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      enableReadyCheck: false,
      disableClientInfo: true,
      retryStrategy: () => null,
    });
    redis.on('error', () => {
      // Reported through the command that failed.
    });
    const onAbort = (): void => redis.disconnect();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const values: Observation['values'] = { CONNECTED: false };
    let value: number | undefined;
    try {
      await redis.connect();
      await redis.ping();
      values.CONNECTED = true;
      if (config.info) {
        const info = parseInfo(await redis.info());
        values.INFO = info;
        if (config.info in info) values.VALUE = info[config.info];
        if (typeof values.VALUE === 'number') value = values.VALUE;
      }
      if (config.key) {
        const [k] = await keyLengths(redis, [config.key]);
        values.LENGTH = k!.length;
        values.TYPE = k!.type;
        value = k!.length;
      }
      if (config.pattern) {
        const lengths = await keyLengths(redis, await scanKeys(redis, config.pattern));
        values.LENGTH = lengths.reduce((s, k) => s + k.length, 0);
        values.KEYS = lengths.length;
        value = values.LENGTH as number;
      }
      if (config.bullmq) {
        const counts = await bullmqCounts(redis, config.bullmq.prefix, config.bullmq.queue);
        Object.assign(values, counts, { LENGTH: counts.WAITING });
        value = counts.WAITING;
      }
      values.RESPONSE_TIME = Math.round(performance.now() - started);
      return { values, ...(value !== undefined ? { value } : {}) };
    } catch (e) {
      return { values, error: errorText(e) };
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      redis.disconnect();
    }
  },
};
