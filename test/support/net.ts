import http from 'node:http';
import type { ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
export { freePort } from '../../src/lib/net.js';
import { scaled } from './timing.js';

/**
 * Polls `url` until it answers `okStatus`; resolves with the milliseconds it took. `timeoutMs` is a
 * quiet machine's bound, scaled to the load here (test/support/timing.ts). Given the process meant
 * to answer, fails at once when it has exited (a config error, a crash, a kill) rather than polling
 * a port nobody will open until the bound.
 */
export async function waitForHttp(url: string, quietTimeoutMs = 20_000, okStatus = 200, server?: ChildProcess): Promise<number> {
  const t0 = Date.now();
  const timeoutMs = scaled(quietTimeoutMs);
  const exited = () => server !== undefined && (server.exitCode !== null || server.signalCode !== null);
  while (Date.now() - t0 < timeoutMs) {
    if (exited()) throw new Error(`${url}: the process serving it exited (${server!.signalCode ?? `code ${server!.exitCode}`}) after ${Date.now() - t0} ms, before answering ${okStatus}`);
    try {
      // A stopped or hung server never answers: each look is bounded, the wait goes on.
      const r = await fetch(url, { signal: AbortSignal.timeout(Math.max(1000, timeoutMs - (Date.now() - t0))) });
      if (r.status === okStatus) return Date.now() - t0;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (exited()) throw new Error(`${url}: the process serving it exited (${server!.signalCode ?? `code ${server!.exitCode}`}) before answering ${okStatus}`);
  throw new Error(`${url} did not answer ${okStatus} within ${timeoutMs} ms`);
}

export interface StatusServer {
  /** Its base URL on loopback, no trailing slash. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A loopback HTTP server answering every request with `status` (or what `status()` answers at the
 * time), no body: a check's target (200 or 500) or a webhook receiver that takes every page (204).
 */
export async function startStatusServer(status: number | (() => number)): Promise<StatusServer> {
  const server = http.createServer((_q, s) => s.writeHead(typeof status === 'number' ? status : status()).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// Ports of the Fetch standard's "bad port" list unlikely to be taken on a test machine.
const REFUSED_BY_FETCH = [4190, 10080, 6566, 6669, 6668, 3659, 4045, 5061, 6697, 10081];

/**
 * Listens on 127.0.0.1 on a port Node's fetch refuses ("bad port": the ports browsers block), the
 * first of them that is free; its number. A client that must reach any port a service listens on
 * (as curl does) is tested against it.
 */
export async function listenOnPortFetchRefuses(server: import('node:http').Server): Promise<number> {
  for (const port of REFUSED_BY_FETCH) {
    const bound = await new Promise<boolean>((resolve) => {
      const onError = (): void => resolve(false);
      server.once('error', onError);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onError);
        resolve(true);
      });
    });
    if (bound) return port;
  }
  throw new Error(`none of the ports ${REFUSED_BY_FETCH.join(', ')} is free`);
}
