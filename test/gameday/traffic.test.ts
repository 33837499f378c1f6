/**
 * The world's users: real requests to a loopback server, paced by the simulated clock, so the
 * server's own counters move with simulated time however fast it is moved.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { startTraffic, type Traffic } from '../../src/gameday/traffic.js';

describe('game-day traffic', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function server(status: (n: number) => number): Promise<{ url: string; seen: string[] }> {
    const seen: string[] = [];
    const s = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(status(seen.length)).end('{}');
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => {
      s.closeAllConnections();
      s.close(() => r());
    }));
    return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen };
  }

  it('sends its bursts as simulated time passes, each done before time moves on, and nothing after stop', async () => {
    const { url, seen } = await server((n) => (n % 5 === 0 ? 500 : 200));
    const clock = new SimulatedClock();
    const traffic: Traffic = startTraffic(clock, { url, path: '/api/items', requests: 3, everyMs: 5_000 });
    cleanup.push(() => traffic.stop());
    // As the game day's driver does: after each timer, what the world has in flight settles.
    await clock.advance(30_000, () => traffic.idle());
    expect(seen).toHaveLength(18);
    expect(new Set(seen)).toEqual(new Set(['GET /api/items']));
    expect(traffic.sent).toEqual({ 200: 15, 500: 3 });
    // Real time alone sends nothing: the pace is the simulated clock's.
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toHaveLength(18);
    await traffic.stop();
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(60_000, () => traffic.idle());
    expect(seen).toHaveLength(18);
  });

  it('counts a request that gets no answer as an error and goes on', async () => {
    // A port nothing listens on any more: connection refused.
    const { url } = await server(() => 200);
    await cleanup.pop()!();
    const clock = new SimulatedClock();
    const traffic = startTraffic(clock, { url, path: '/', requests: 2, everyMs: 1_000 });
    cleanup.push(() => traffic.stop());
    await clock.advance(2_000, () => traffic.idle());
    expect(traffic.sent).toEqual({ error: 4 });
  });
});
