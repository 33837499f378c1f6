/** Real loopback peers and parsed channel configs for the notify tests. Not part of the public surface. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { channelSchema, type ChannelConfig, type ChannelConfigInput } from '../config/schema/channels.js';

export interface ReceivedRequest {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type ReplyFn = (req: ReceivedRequest, index: number) => { status: number; headers?: Record<string, string>; body?: string; delayMs?: number };

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves once `n` requests have arrived (bounded by `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records every request and answers with `reply`. */
export async function startReceiver(reply: ReplyFn = () => ({ status: 200 })): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: ReceivedRequest = { at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
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
      if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
      else send();
    });
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
