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

// Ports of the Fetch standard's "bad port" list unlikely to be taken on a test machine; the first free one is used.
const BLOCKED_BY_FETCH = [10080, 6566, 6669, 6668, 4190, 3659, 4045, 5061, 6697, 10081];

describe('a scrape target on a port fetch refuses', () => {
  let server: http.Server;
  let port = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('queue_depth 1500\n'));
    for (const candidate of BLOCKED_BY_FETCH) {
      const bound = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen(candidate, '127.0.0.1', () => resolve(true));
      });
      server.removeAllListeners('error');
      if (bound) {
        port = candidate;
        break;
      }
    }
    if (port === 0) throw new Error(`none of the ports ${BLOCKED_BY_FETCH.join(', ')} is free`);
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
