/**
 * DaemonOptions.historyFlushMs and historyRollupMs: how often, on the daemon's clock, check results
 * are written to the store and rolled up (a game day's simulated clock writes them once a simulated
 * minute and rolls them up every 15, not every second and every minute).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon, createLogger } from '../../src/daemon/index.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { storeTargets } from '../support/store-targets.js';
import { postgresUp } from '../support/services.js';
import { scaled } from '../support/timing.js';

const T0 = Date.UTC(2026, 0, 1);
const pg = await postgresUp();

let server: http.Server;
let url: string;
beforeAll(async () => {
  server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

for (const target of storeTargets('opsbook-daemon-history-flush', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pg)(`daemon check history on ${target.name}`, () => {
    it('writes check results at historyFlushMs (default every second) and rolls them up at historyRollupMs (default every minute)', async () => {
      const db = await target.open();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-daemon-history-'));
      fs.writeFileSync(path.join(dir, 'ops.yaml'), ['storage:', `  url: ${JSON.stringify(db.url)}`, 'checks:', `  - { id: api, kind: http, url: "${url}", interval: 15s }`].join('\n'));
      const clock = new SimulatedClock(T0);
      const start = (every?: { historyFlushMs: number; historyRollupMs: number }) =>
        Daemon.start({ configPath: path.join(dir, 'ops.yaml'), clock, logger: createLogger({ level: 'silent', pretty: false }), ...every });
      const count = async (d: Daemon, table: 'check_results' | 'check_rollups'): Promise<number> => Number((await d.store.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const stored = (d: Daemon) => count(d, 'check_results');
      /** Polls `read` until it reaches `n` or a bound scaled to the machine's load passes. */
      const atLeast = async (read: () => Promise<number>, n: number, boundMs = 30_000): Promise<number> => {
        const until = Date.now() + scaled(boundMs);
        let c = await read();
        while (c < n && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 25));
          c = await read();
        }
        return c;
      };
      const rolledUp = (d: Daemon, n: number) => atLeast(() => count(d, 'check_rollups'), n);
      const advance = (d: Daemon, ms: number) => clock.advance(ms, () => d.operations!.settle(scaled(5_000)));
      // A flush the clock started is written asynchronously: polled with a generous bound, left as soon as it holds.
      const storedAtLeast = (d: Daemon, n: number) => atLeast(() => stored(d), n);
      let daemon = await start();
      try {
        await advance(daemon, 16_000);
        const first = await storedAtLeast(daemon, 1);
        expect(first).toBeGreaterThanOrEqual(1);
        // A minute is rolled up 2 min after it ends. A rollup runs in real time while the clock moves
        // on, and the next is planned a minute after it finishes: the clock moves a minute at a time.
        await advance(daemon, 3 * 60_000);
        let rolled = 0;
        for (let minute = 0; minute < 15 && rolled < 1; minute++) {
          await advance(daemon, 60_000);
          rolled = await atLeast(() => count(daemon, 'check_rollups'), 1, 2_000);
        }
        expect(rolled).toBeGreaterThanOrEqual(1);
        await daemon.close();

        daemon = await start({ historyFlushMs: 60_000, historyRollupMs: 15 * 60_000 });
        const rollups = await count(daemon, 'check_rollups');
        const before = await stored(daemon);
        // Runs at least every 15 s, none written before the minute is up; then all of them at once.
        await advance(daemon, 50_000);
        expect(await stored(daemon)).toBe(before);
        await advance(daemon, 15_000);
        expect(await storedAtLeast(daemon, before + 4)).toBeGreaterThanOrEqual(before + 4);
        // Rolled up at the 15th minute, not before.
        await advance(daemon, 12 * 60_000);
        expect(await count(daemon, 'check_rollups')).toBe(rollups);
        await advance(daemon, 3 * 60_000);
        expect(await rolledUp(daemon, rollups + 1)).toBeGreaterThan(rollups);
      } finally {
        await daemon.close();
        fs.rmSync(dir, { recursive: true, force: true });
        await db.cleanup();
      }
    });
  });
}
