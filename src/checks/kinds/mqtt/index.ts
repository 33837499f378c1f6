import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { MqttClient } from 'mqtt';
import { z } from 'zod';
import { duration } from '../../../lib/schema-fields.js';
import type { CheckContext, CheckKind, Observation } from '../../types.js';
import { errorText } from '../shared/observe-http.js';

export const mqttOptions = z.object({
  url: z
    .string()
    .regex(/^(mqtts?|wss?):\/\/[^/]/, { error: 'must be an mqtt://, mqtts://, ws:// or wss:// URL' })
    .describe('Broker URL, e.g. mqtt://127.0.0.1:1883.'),
  username: z.string().min(1).optional().describe('User name for brokers with password authentication.'),
  password: z.string().optional().describe('Password; use ${VAR} to keep it out of the file.'),
  round_trip: z.boolean().default(true).describe('Subscribe, publish a random payload and wait for it → [RECEIVED], [ROUND_TRIP_TIME] (default true).'),
  topic: z
    .string()
    .min(1)
    .regex(/^[^#+]+$/, { error: 'must be a plain topic without + or # wildcards' })
    .optional()
    .describe('Topic of the round trip (default opsbook/probe/<check id>); the broker’s ACL must allow it.'),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1).describe('QoS of the round trip (default 1).'),
  read: z
    .strictObject({
      topic: z.string().min(1).describe('Topic to subscribe to, e.g. devices/gateway/status.'),
      wait: duration({ min: '10ms', max: '10m' }).prefault('2s').describe('How long to wait for a message (default 2s).'),
    })
    .optional()
    .describe('Read the first message on a topic (usually a retained status) into [MESSAGE].'),
});
export type MqttOptions = z.output<typeof mqttOptions>;

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
  kind: 'mqtt',
  options: mqttOptions,
  placeholders: ['CONNECTED', 'CONNECT_TIME', 'RECEIVED', 'ROUND_TRIP_TIME', 'MESSAGE', 'RESPONSE_TIME'],
  defaultConditions: (c) => ['[CONNECTED] == true', ...(c.round_trip ? ['[RECEIVED] == true'] : []), ...(c.read ? ['has([MESSAGE]) == true'] : [])],
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
