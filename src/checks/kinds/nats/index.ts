import type { NatsConnection } from 'nats';
import { performance } from 'node:perf_hooks';
import type { CheckKind, Observation } from '../../types.js';
import { errorText } from '../shared/observe-http.js';
import { natsSchema, type NatsOptions } from './schema.js';

/**
 * Connects (the server's INFO and CONNECT/PONG exchange proves it serves clients), measures a
 * round trip, then reads JetStream stream and consumer state through the JetStream API. No
 * reconnects: a probe reports the outage a reconnecting client would hide.
 */
export const natsKind: CheckKind<NatsOptions> = {
  ...natsSchema,
  run: async (config, ctx): Promise<Observation> => {
    const started = performance.now();
    const values: Observation['values'] = { CONNECTED: false };
    let nc: NatsConnection | undefined;
    const onAbort = (): void => void nc?.close().catch(() => {});
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      // The driver is loaded on the first run, not when the config loads: commands that never probe stay fast to start.
      const { connect } = await import('nats');
      nc = await connect({
        servers: config.url,
        timeout: ctx.timeoutMs,
        reconnect: false,
        maxReconnectAttempts: 0,
        name: `opsbook check ${ctx.checkId}`,
        ...(config.user ? { user: config.user } : {}),
        ...(config.password ? { pass: config.password } : {}),
        ...(config.token ? { token: config.token } : {}),
      });
      if (ctx.signal.aborted) onAbort();
      values.CONNECTED = true;
      values.VERSION = nc.info?.version ?? '';
      values.JETSTREAM = Boolean(nc.info?.jetstream);
      values.RTT = Math.round(await nc.rtt());
      const needsJs = config.streams.length > 0 || config.consumers.length > 0;
      if (needsJs) {
        const jsm = await nc.jetstreamManager({ timeout: ctx.timeoutMs });
        const messages: Record<string, number> = {};
        const bytes: Record<string, number> = {};
        const consumerCount: Record<string, number> = {};
        for (const name of config.streams) {
          const s = await jsm.streams.info(name).catch((e: unknown) => {
            throw new Error(`stream "${name}": ${errorText(e)}`, { cause: e });
          });
          messages[name] = s.state.messages;
          bytes[name] = s.state.bytes;
          consumerCount[name] = s.state.consumer_count;
        }
        Object.assign(values, { STREAM_MESSAGES: messages, STREAM_BYTES: bytes, STREAM_CONSUMERS: consumerCount });
        const pending: Record<string, number> = {};
        const ackPending: Record<string, number> = {};
        const redelivered: Record<string, number> = {};
        const waiting: Record<string, number> = {};
        for (const { stream, consumer } of config.consumers) {
          const key = `${stream}/${consumer}`;
          const c = await jsm.consumers.info(stream, consumer).catch((e: unknown) => {
            throw new Error(`consumer "${key}": ${errorText(e)}`, { cause: e });
          });
          pending[key] = c.num_pending;
          ackPending[key] = c.num_ack_pending;
          redelivered[key] = c.num_redelivered;
          waiting[key] = c.num_waiting;
        }
        Object.assign(values, { PENDING: pending, ACK_PENDING: ackPending, REDELIVERED: redelivered, WAITING: waiting });
        values.LENGTH = Object.values(pending).reduce((s, n) => s + n, 0);
      }
      values.RESPONSE_TIME = Math.round(performance.now() - started);
      return { values, ...(config.consumers.length > 0 ? { value: values.LENGTH as number } : {}) };
    } catch (e) {
      return { values, error: errorText(e) };
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await nc?.close().catch(() => {});
    }
  },
};
