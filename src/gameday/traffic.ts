/**
 * The users of a game-day world: a small load generator driving real requests at the stand-in's API
 * (through the socket proxy in front of it, as every client goes), paced by the simulated clock —
 * `requests` every `every` simulated ms — so the application's own counters move between two
 * scrapes however fast the game day moves time. Bounded: one kept-alive connection, one request at a
 * time, each given at most a few real seconds; a burst still in flight when the next falls due is
 * not doubled up (the driver waits for it before time moves on, see `idle`).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createSecureContext } from 'node:tls';
import type { Clock } from '../lib/clock.js';

/** Real time one request may take before it counts as failed (a stalled socket, a refused port answer at once). */
const REQUEST_TIMEOUT_MS = 3_000;

export interface TrafficOptions {
  /** The stand-in's URL as clients reach it (the proxy's). */
  url: string;
  /** The path requests go to (GET). */
  path: string;
  /** Requests per burst. */
  requests: number;
  /** Simulated ms between bursts. */
  everyMs: number;
  /** A CA file to trust (https stand-ins with the game day's own CA). */
  caFile?: string;
}

export interface Traffic {
  /** Responses received, by status code; `error` counts requests that got no response. */
  sent: Record<string, number>;
  /** Resolves when no burst is in flight (at once when none is). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startTraffic(clock: Clock, options: TrafficOptions): Traffic {
  const secure = options.url.startsWith('https');
  // The CA parsed once into a context every connection shares: given as `ca`, each new connection
  // (the stand-in closes idle ones, a socket fault drops them) would parse it again.
  const secureContext = options.caFile ? createSecureContext({ ca: readFileSync(options.caFile) }) : undefined;
  const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 1, ...(secureContext ? { secureContext } : {}) }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(options.path, options.url);
  const sent: Record<string, number> = {};
  let inFlight: Promise<void> | undefined;
  let stopped = false;
  let cancel: () => void = () => {};

  const one = (): Promise<string> =>
    new Promise((resolve) => {
      const request = secure ? https.request : http.request;
      const req = request(target, { method: 'GET', agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode ?? 0)));
        res.on('error', () => resolve('error'));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve('error'));
      req.end();
    });

  const burst = async (): Promise<void> => {
    for (let i = 0; i < options.requests && !stopped; i++) {
      const status = await one();
      sent[status] = (sent[status] ?? 0) + 1;
    }
  };

  const arm = (at: number): void => {
    cancel = clock.at(at, () => {
      if (stopped) return;
      // A burst still running when the next falls due (the driver did not wait): the next is skipped.
      if (!inFlight) inFlight = burst().finally(() => (inFlight = undefined));
      arm(at + options.everyMs);
    });
  };
  arm(clock.now() + options.everyMs);

  return {
    sent,
    idle: async () => {
      await inFlight;
    },
    stop: async () => {
      stopped = true;
      cancel();
      await inFlight;
      agent.destroy();
    },
  };
}
