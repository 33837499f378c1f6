/**
 * A scrape reaches its exporter on whatever port it listens, as Prometheus does. Node's fetch
 * refuses the ports browsers block (6000, 6665–6669, 10080, …): through it such a target was
 * `up 0` with "bad port" while the exporter answered.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../lib/clock.js';
import { SampleStore } from '../sample-store.js';
import { scrapeTarget } from './scrape-once.js';
import { listenOnPortFetchRefuses } from '../../../test/support/net.js';

describe('a scrape target on a port fetch refuses', () => {
  let server: http.Server;
  let port = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('queue_depth 1500\n'));
    port = await listenOnPortFetchRefuses(server);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('is scraped: up 1 and its samples stored', async () => {
    const samples = SampleStore.inMemory(new SimulatedClock(Date.UTC(2026, 0, 1)));
    const target = { key: 'queue', job: 'queue', url: `http://127.0.0.1:${port}/metrics`, labels: { job: 'queue', instance: `127.0.0.1:${port}` }, intervalMs: 15_000, timeoutMs: 10_000, honorLabels: false, metricRelabel: [] };
    const outcome = await scrapeTarget(samples, target, Date.UTC(2026, 0, 1));
    expect(outcome.error).toBeUndefined();
    expect(outcome).toMatchObject({ up: true, scraped: 1, stored: 1 });
  });
});
