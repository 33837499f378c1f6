/**
 * The dead-man's ping reaches its receiver on whatever port it listens. Sent through Node's fetch it
 * failed with "bad port" on the ports browsers block (4190, 6000, 10080, …): the receiver then saw
 * silence and reported opsbook down while it ran.
 */
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OpsConfig } from '../../config/index.js';
import { SimulatedClock } from '../../lib/clock.js';
import { listenOnPortFetchRefuses } from '../../../test/support/net.js';
import { DeadmanSwitch } from './deadman.js';

let server: http.Server;
let port = 0;
const bodies: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.end('ok');
    });
  });
  port = await listenOnPortFetchRefuses(server);
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

it('pings a receiver on a port fetch refuses', async () => {
  const warnings: object[] = [];
  const config = { paging: { deadman: { url: `http://127.0.0.1:${port}/ping`, interval: 60_000, timeout: 10_000 } } } as unknown as OpsConfig;
  const deadman = new DeadmanSwitch(() => config, new SimulatedClock(Date.UTC(2026, 0, 1)), { warn: (o) => warnings.push(o) });
  deadman.start();
  await deadman.stop(); // waits for the ping in flight
  expect(warnings).toEqual([]);
  expect(bodies).toHaveLength(1);
  expect(JSON.parse(bodies[0]!)).toMatchObject({ status: 'up', seq: 1, at: '2026-01-01T00:00:00.000Z' });
});
