/** Real loopback peers and parsed channel configs for the notify tests. Not part of the public surface. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { channelSchema, type ChannelConfig, type ChannelConfigInput } from '../config/schema/channels.js';

export interface ReceivedRequest {
  at: number;
  /** The request's path (with its query), e.g. `/hook`. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type ReplyFn = (
  req: ReceivedRequest,
  index: number,
) => { status: number; headers?: Record<string, string>; body?: string; delayMs?: number; /** Answer once this settles (after delayMs, if both). */ after?: Promise<unknown> };

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves once `n` requests have arrived (bounded by `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  /** Connections open now, and accepted since the start (a keep-alive sender reuses its sockets). */
  connections(): { open: number; accepted: number };
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 that records every request and answers with `reply`. It keeps idle
 * keep-alive connections `keepAliveMs` (default Node's 5 s); longer, a test can count a sender's
 * connections on a loaded machine without the server closing them.
 */
export async function startReceiver(reply: ReplyFn = () => ({ status: 200 }), o: { keepAliveMs?: number } = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let open = 0;
  let accepted = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: ReceivedRequest = { at: Date.now(), path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const index = requests.push(r) - 1;
      for (const w of waiters.filter((w) => requests.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const answer = reply(r, index);
      const send = (): void => {
        if (res.destroyed) return;
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      };
      const sendAfter = (): void => void (answer.after ? answer.after.then(send, send) : send());
      if (answer.delayMs) setTimeout(sendAfter, answer.delayMs).unref();
      else sendAfter();
    });
  });
  if (o.keepAliveMs !== undefined) server.keepAliveTimeout = o.keepAliveMs;
  server.on('connection', (socket) => {
    open++;
    accepted++;
    socket.on('close', () => open--);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    // A bound, not a speed: generous so a loaded machine's slow loopback round still arrives.
    waitFor: (n, timeoutMs = 60_000) =>
      requests.length >= n
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error(`receiver got ${requests.length} of ${n} requests within ${timeoutMs} ms`)), timeoutMs);
            waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
          }),
    connections: () => ({ open, accepted }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A channel as the config loader would produce it (defaults filled, durations in ms). */
export function channel<I extends ChannelConfigInput>(input: I): Extract<ChannelConfig, { kind: I['kind'] }> {
  return channelSchema.parse(input) as Extract<ChannelConfig, { kind: I['kind'] }>;
}

/** A Standard Webhooks secret for tests. */
export function testSecret(seed: number): string {
  return `whsec_${Buffer.alloc(32, seed).toString('base64')}`;
}
