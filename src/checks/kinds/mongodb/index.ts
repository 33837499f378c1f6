import type { Document, MongoClient, ServerHeartbeatFailedEvent } from 'mongodb';
import { performance } from 'node:perf_hooks';
import type { CheckKind, Observation } from '../../types.js';
import { errorText } from '../shared/observe-http.js';
import { plain, replicaSetValues } from './replica-set.js';
import { mongodbSchema, type MongodbOptions } from './schema.js';

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw new Error(`${name}: ${errorText(e)}`, { cause: e });
  }
}

/**
 * Connects, or fails as soon as every host of the connection string has failed its first check
 * (refused, reset, TLS): the driver would otherwise keep retrying for the whole server-selection
 * window and report the same reason at its end. Not for mongodb+srv://, whose hosts come from DNS.
 */
function connectOrFail(client: MongoClient, url: string): Promise<unknown> {
  if (url.startsWith('mongodb+srv:')) return client.connect();
  const hosts = client.options.hosts.map((h) => h.toString());
  const failed = new Set<string>();
  return new Promise((resolve, reject) => {
    const onFailed = (e: ServerHeartbeatFailedEvent): void => {
      failed.add(e.connectionId);
      if (hosts.every((h) => failed.has(h))) {
        client.off('serverHeartbeatFailed', onFailed);
        reject(e.failure);
      }
    };
    client.on('serverHeartbeatFailed', onFailed);
    client.connect().then(
      (v) => (client.off('serverHeartbeatFailed', onFailed), resolve(v)),
      (e: unknown) => (client.off('serverHeartbeatFailed', onFailed), reject(e)),
    );
  });
}

/**
 * The official driver: connect (handshake and authentication), `ping`, `hello`, then optionally
 * `serverStatus` and `replSetGetStatus` on the admin database. One client per run, pool of one,
 * every driver timeout at the check's timeout; an error names the step that failed.
 */
export const mongodbKind: CheckKind<MongodbOptions> = {
  ...mongodbSchema,
  run: async (config, ctx): Promise<Observation> => {
    const started = performance.now();
    const values: Observation['values'] = { CONNECTED: false };
    let client: MongoClient | undefined;
    const onAbort = (): void => void client?.close(true).catch(() => {});
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      // The driver is loaded on the first run, not when the config loads: commands that never probe stay fast to start.
      const { MongoClient } = await import('mongodb');
      client = new MongoClient(config.url, {
        appName: `opsbook check ${ctx.checkId}`,
        // Below the check timeout, so the driver's own reason (refused, reset) is reported rather than a bare timeout.
        serverSelectionTimeoutMS: Math.max(1, Math.floor(ctx.timeoutMs * 0.8)),
        connectTimeoutMS: ctx.timeoutMs,
        socketTimeoutMS: ctx.timeoutMs,
        heartbeatFrequencyMS: 3_600_000,
        maxPoolSize: 1,
        retryReads: false,
        retryWrites: false,
      });
      const connected = client;
      await step('connect', () => connectOrFail(connected, config.url));
      const admin = connected.db('admin');
      await step('ping', () => admin.command({ ping: 1 }));
      values.CONNECTED = true;
      const hello: Document = await step('hello', () => admin.command({ hello: 1 }));
      values.WRITABLE_PRIMARY = hello.isWritablePrimary === true;
      let value: number | undefined;
      if (config.server_status) {
        const status = plain(await step('serverStatus', () => admin.command({ serverStatus: 1 }))) as Record<string, unknown>;
        const connections = (status.connections ?? {}) as Record<string, unknown>;
        values.SERVER_STATUS = status;
        values.VERSION = String(status.version ?? '');
        values.CONNECTIONS_CURRENT = connections.current;
        values.CONNECTIONS_AVAILABLE = connections.available;
        if (typeof connections.current === 'number') value = connections.current;
      }
      if (config.replica_set) {
        const rs = await step('replSetGetStatus', () => admin.command({ replSetGetStatus: 1 }));
        Object.assign(values, replicaSetValues(rs));
        if (typeof values.REPLICATION_LAG === 'number') value = values.REPLICATION_LAG;
      }
      values.RESPONSE_TIME = Math.round(performance.now() - started);
      return { values, ...(value !== undefined ? { value } : {}) };
    } catch (e) {
      return { values, error: errorText(e) };
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await client?.close(true).catch(() => {});
    }
  },
};
