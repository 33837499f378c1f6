import type { ChannelModel } from 'amqplib';
import { performance } from 'node:perf_hooks';
import type { CheckKind, Observation } from '../../types.js';
import { errorText } from '../shared/observe-http.js';
import { rabbitmqSchema, type RabbitmqOptions } from './schema.js';

/**
 * An AMQP 0-9-1 connection (the handshake proves the broker and credentials), then a passive
 * queue.declare per named queue, which returns its ready-message count and consumer count without
 * creating anything. A queue that does not exist makes the run down, naming the queue.
 */
export const rabbitmqKind: CheckKind<RabbitmqOptions> = {
  ...rabbitmqSchema,
  run: async (config, ctx): Promise<Observation> => {
    const started = performance.now();
    const values: Observation['values'] = { CONNECTED: false };
    let conn: ChannelModel | undefined;
    const onAbort = (): void => void conn?.close().catch(() => {});
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      // The driver is loaded on the first run, not when the config loads: commands that never probe stay fast to start.
      const amqp = (await import('amqplib')).default;
      conn = await amqp.connect(config.url, { timeout: ctx.timeoutMs, clientProperties: { connection_name: `opsbook check ${ctx.checkId}` } });
      conn.on('error', () => {
        // Reported through the operation that failed.
      });
      if (ctx.signal.aborted) onAbort();
      values.CONNECTED = true;
      values.VERSION = String(conn.connection.serverProperties.version ?? '');
      const messages: Record<string, number> = {};
      const consumers: Record<string, number> = {};
      for (const queue of config.queues) {
        // A failed passive declare closes its channel, so each queue gets its own.
        const ch = await conn.createChannel();
        ch.on('error', () => {});
        try {
          const q = await ch.checkQueue(queue);
          messages[queue] = q.messageCount;
          consumers[queue] = q.consumerCount;
        } catch (e) {
          throw new Error(`queue "${queue}": ${errorText(e)}`, { cause: e });
        } finally {
          await ch.close().catch(() => {});
        }
      }
      values.MESSAGES = messages;
      values.CONSUMERS = consumers;
      const length = Object.values(messages).reduce((s, n) => s + n, 0);
      values.LENGTH = length;
      values.RESPONSE_TIME = Math.round(performance.now() - started);
      return { values, ...(config.queues.length > 0 ? { value: length } : {}) };
    } catch (e) {
      return { values, error: errorText(e) };
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await conn?.close().catch(() => {});
    }
  },
};
