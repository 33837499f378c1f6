import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import type { CheckContext, CheckKind, Observation } from '../../types.js';
import { errorText } from '../shared/observe-http.js';
import { websocketSchema, type WebsocketOptions } from './schema.js';

interface Opened {
  socket: WebSocket;
  status: number;
  /** Resolves with the first message, which may come in the same packet as the upgrade answer. */
  first: Promise<string>;
}

function open(config: WebsocketOptions, ctx: CheckContext, values: Observation['values'], Ws: typeof WebSocket): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const socket = new Ws(config.url, config.protocols, {
      headers: config.headers,
      handshakeTimeout: ctx.timeoutMs,
      ...(config.ca_file ? { ca: fs.readFileSync(config.ca_file) } : {}),
    });
    const onAbort = (): void => socket.terminate();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let status = 0;
    const first = firstMessage(socket, ctx.signal);
    first.catch(() => undefined);
    socket.once('upgrade', (res) => (status = res.statusCode ?? 101));
    socket.once('unexpected-response', (_req, res) => {
      // A refused upgrade is an answer, not a connection failure: conditions can read its status.
      values.STATUS = res.statusCode ?? 0;
      res.resume();
      socket.terminate();
      ctx.signal.removeEventListener('abort', onAbort);
      reject(new Error(`upgrade refused with HTTP ${res.statusCode}`));
    });
    socket.once('open', () => {
      ctx.signal.removeEventListener('abort', onAbort);
      resolve({ socket, status, first });
    });
    socket.once('error', (e) => {
      ctx.signal.removeEventListener('abort', onAbort);
      reject(e);
    });
  });
}

function firstMessage(socket: WebSocket, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new Error('no message before the timeout'));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('message', (data, isBinary) => {
      signal.removeEventListener('abort', onAbort);
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      resolve(isBinary ? buf.toString('base64') : buf.toString('utf8'));
    });
    socket.once('close', (code) => reject(new Error(`closed by the server (code ${code}) before a message`)));
  });
}

/**
 * Opens a WebSocket (the HTTP upgrade, with the headers an app needs: Origin, Cookie), optionally
 * sends a message and waits for the first one back, then closes cleanly. An upgrade answered with a
 * plain HTTP status (403 from an origin check) is reported in [STATUS].
 */
export const websocketKind: CheckKind<WebsocketOptions> = {
  ...websocketSchema,
  run: async (config, ctx): Promise<Observation> => {
    // Loaded on first use: most opsbook commands never open a WebSocket.
    const { WebSocket: Ws } = await import('ws');
    const started = performance.now();
    const values: Observation['values'] = { CONNECTED: false };
    let socket: WebSocket | undefined;
    try {
      const opened = await open(config, ctx, values, Ws);
      socket = opened.socket;
      values.CONNECTED = true;
      values.STATUS = opened.status;
      values.PROTOCOL = socket.protocol;
      values.CONNECT_TIME = Math.round(performance.now() - started);
      let value = values.CONNECT_TIME as number;
      if (config.receive ?? config.send !== undefined) {
        const t0 = performance.now();
        if (config.send !== undefined) socket.send(config.send);
        const message = await opened.first;
        value = values.ROUND_TRIP_TIME = Math.round(performance.now() - t0);
        values.MESSAGE = message;
        try {
          values.BODY = JSON.parse(message) as unknown;
        } catch {
          values.BODY = message;
        }
      }
      values.RESPONSE_TIME = Math.round(performance.now() - started);
      return { values, value };
    } catch (e) {
      return { values, error: errorText(e) };
    } finally {
      if (socket && socket.readyState === socket.OPEN) socket.close(1000);
      else socket?.terminate();
    }
  },
};
