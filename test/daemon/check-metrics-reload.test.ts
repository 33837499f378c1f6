/**
 * Check metrics go on counting across a config reload. One daemon on SQLite, on a simulated clock,
 * probing a loopback server; the reload keeps one check and adds another. Every run before and after
 * the reload, of either check, is counted in `opsbook_check_runs_total` of the daemon's registry.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import type { CheckResult } from '../../src/checks/index.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

const INTERVAL = 10_000;

describe('check metrics across a config reload', () => {
  let server: DaemonApp;
  let target: http.Server;
  let port = 0;
  const clock = new SimulatedClock(Math.floor(Date.now() / 60_000) * 60_000);
  const results: CheckResult[] = [];
  const ops = () => server.daemon.operations!;
  const runFor = async (ms: number) => {
    await clock.advance(ms, () => ops().settle(5_000));
    await ops().settle(5_000);
  };
  const check = (id: string) => `  - { id: ${id}, kind: http, url: "http://127.0.0.1:${port}/${id}", interval: 10s, timeout: 5s }`;
  /** `opsbook_check_runs_total{kind="http"}` as the daemon's registry holds it. */
  const httpRuns = async () => {
    const metric = await server.daemon.metrics.registry.getSingleMetric('opsbook_check_runs_total')?.get();
    return metric?.values.find((v) => v.labels.kind === 'http')?.value ?? 0;
  };

  beforeAll(async () => {
    target = http.createServer((_req, res) => res.writeHead(200).end());
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    port = (target.address() as AddressInfo).port;
    server = await startDaemonApp('check-metrics-reload', { 'ops.yaml': `checks:\n${check('kept')}\n` }, { clock });
    ops().on((e) => {
      if (e.type === 'check') results.push(e.result);
    });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await new Promise<void>((r) => (target ? target.close(() => r()) : r()));
  }, 60_000);

  it('counts every run of the checks kept and added after the reload', async () => {
    await runFor(3 * INTERVAL);
    const before = results.length;
    expect(before).toBeGreaterThan(0);
    expect(await httpRuns()).toBe(before);

    fs.writeFileSync(path.join(server.dir, 'ops.yaml'), `checks:\n${check('kept')}\n${check('added')}\n`);
    expect(await server.daemon.reload()).toBe(true);
    await runFor(3 * INTERVAL);
    expect(results.filter((r) => r.checkId === 'kept').length).toBeGreaterThan(results.slice(0, before).length);
    expect(results.some((r) => r.checkId === 'added')).toBe(true);
    expect(await httpRuns()).toBe(results.length);
  }, 120_000);
});
