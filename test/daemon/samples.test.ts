/**
 * The daemon's sample store: `scrape:` jobs append to it on the clock, and a restart over the same
 * store (SQLite, and PostgreSQL when it is up) keeps the retention window for PromQL.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon, createLogger } from '../../src/daemon/index.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { Engine, formatLabels } from '../../src/promql/index.js';
import { storeTargets } from '../support/store-targets.js';
import { postgresUp } from '../support/services.js';

const T0 = Date.UTC(2026, 0, 1);
const pg = await postgresUp();

let server: http.Server;
let address: string;
let served = 0;
beforeAll(async () => {
  server = http.createServer((_req, res) => res.end(`# TYPE jobs_done_total counter\njobs_done_total{queue="emails"} ${served++ * 60}\n`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function vector(daemon: Daemon, query: string): Record<string, number> {
  const v = new Engine(daemon.samples.series()).instant(query, daemon.clock.now());
  if (v.kind !== 'vector') throw new Error(v.kind);
  return Object.fromEntries(v.samples.map((s) => [formatLabels(s.metric), s.value]));
}

for (const target of storeTargets('opsbook-daemon-samples', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pg)(`daemon samples on ${target.name}`, () => {
    it('scrapes into the sample store and keeps the window across a restart', async () => {
      const db = await target.open();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-daemon-samples-'));
      const config = [
        'storage:',
        `  url: ${JSON.stringify(db.url)}`,
        'samples:',
        '  retention: 1h',
        'scrape:',
        '  - job: worker',
        '    interval: 15s',
        `    targets: ["${address}"]`,
      ].join('\n');
      fs.writeFileSync(path.join(dir, 'ops.yaml'), config);
      const clock = new SimulatedClock(T0);
      const start = () => Daemon.start({ configPath: path.join(dir, 'ops.yaml'), clock, logger: createLogger({ level: 'silent', pretty: false }) });
      let daemon = await start();
      try {
        served = 0;
        await clock.advance(10 * 60_000, () => daemon.scraper!.settled());
        const series = `{instance="${address}", job="worker", queue="emails"}`;
        expect(vector(daemon, 'irate(jobs_done_total[5m])')).toEqual({ [series]: 4 });
        expect(vector(daemon, 'up')).toEqual({ [`up{instance="${address}", job="worker"}`]: 1 });
        const before = vector(daemon, 'count_over_time(jobs_done_total[1h])');
        expect(before[series]).toBe(40);
        await daemon.close();

        daemon = await start();
        // Nothing scraped since: the window read back from the store answers as before.
        expect(vector(daemon, 'count_over_time(jobs_done_total[1h])')).toEqual(before);
        expect(vector(daemon, 'irate(jobs_done_total[5m])')).toEqual({ [series]: 4 });
        await clock.advance(60_000, () => daemon.scraper!.settled());
        expect(vector(daemon, 'count_over_time(jobs_done_total[1h])')[series]).toBe(44);
      } finally {
        await daemon.close();
        fs.rmSync(dir, { recursive: true, force: true });
        await db.cleanup();
      }
    });
  });
}
