import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import type { CheckContext, CheckKind, Observation } from '../../types.js';
import { errorText } from '../shared/observe-http.js';
import { mqttSchema, type MqttOptions } from './schema.js';

function firstMessage(client: MqttClient, topic: string, accept: (payload: string) => boolean, waitMs: number, ctx: CheckContext): Promise<string | undefined> {
  return new Promise((resolve) => {
    const done = (v: string | undefined): void => {
      cancelTimer();
      client.off('message', onMessage);
      ctx.signal.removeEventListener('abort', onAbort);
      resolve(v);
    };
    const onMessage = (t: string, payload: Buffer): void => {
      if (t === topic && accept(payload.toString('utf8'))) done(payload.toString('utf8'));
    };
    const onAbort = (): void => done(undefined);
    // On the check's clock, so a simulated run waits simulated time.
    const cancelTimer = ctx.clock.at(ctx.clock.now() + waitMs, () => done(undefined));
    client.on('message', onMessage);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves on CONNACK; a refusal, an error or a connection closed first rejects. */
function connected(client: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (e?: Error): void => {
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
      if (e) reject(e);
      else resolve();
    };
    const onConnect = (): void => settle();
    const onError = (e: Error): void => settle(e);
    const onClose = (): void => settle(new Error('connection closed before the broker accepted it'));
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  });
}

/**
 * Connects to an MQTT broker, then by default sends a message to itself through the broker: a
 * broker that accepts connections but no longer routes messages is down. One connection per run,
 * with a random client id, so a probe never takes over a device's session.
 */
export const mqttKind: CheckKind<MqttOptions> = {
  ...mqttSchema,
  run: async (config, ctx): Promise<Observation> => {
    // Loaded on first use: most opsbook commands never open an MQTT connection.
    const { connect } = await import('mqtt');
    const started = performance.now();
    const values: Observation['values'] = { CONNECTED: false, ...(config.round_trip ? { RECEIVED: false } : {}) };
    let client: MqttClient | undefined;
    const onAbort = (): void => void client?.end(true);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      client = connect(config.url, {
        clientId: `opsbook-${randomBytes(6).toString('hex')}`,
        ...(config.username ? { username: config.username } : {}),
        ...(config.password !== undefined ? { password: config.password } : {}),
        connectTimeout: ctx.timeoutMs,
        reconnectPeriod: 0,
        clean: true,
      });
      await connected(client);
      values.CONNECTED = true;
      values.CONNECT_TIME = Math.round(performance.now() - started);
      let value = values.CONNECT_TIME as number;
      if (config.round_trip) {
        const topic = config.topic ?? `opsbook/probe/${ctx.checkId}`;
        const payload = randomBytes(8).toString('hex');
        const t0 = performance.now();
        const arrived = firstMessage(client, topic, (p) => p === payload, ctx.timeoutMs, ctx);
        await client.subscribeAsync(topic, { qos: config.qos });
        await client.publishAsync(topic, payload, { qos: config.qos });
        values.RECEIVED = (await arrived) === payload;
        if (values.RECEIVED) value = values.ROUND_TRIP_TIME = Math.round(performance.now() - t0);
      }
      if (config.read) {
        const arrived = firstMessage(client, config.read.topic, () => true, config.read.wait, ctx);
        await client.subscribeAsync(config.read.topic, { qos: 0 });
        const message = await arrived;
        if (message !== undefined) values.MESSAGE = message;
      }
      values.RESPONSE_TIME = Math.round(performance.now() - started);
      return { values, value };
    } catch (e) {
      return { values, error: errorText(e) };
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await client?.endAsync(true).catch(() => undefined);
    }
  },
};
