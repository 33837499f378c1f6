/**
 * Check metrics go on counting across a config reload. One daemon on SQLite, on a simulated clock,
 * probing a loopback server; the reload keeps one check and adds another. Every run before and after
 * the reload, of either check, is counted in `opsbook_check_runs_total` of the daemon's registry.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/index.js';
import { startStatusServer, type StatusServer } from '../support/net.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { scaled } from '../support/timing.js';

const INTERVAL = 10_000;

describe('check metrics across a config reload', () => {
  let target: StatusServer;
  beforeAll(async () => {
    target = await startStatusServer(200);
  });
  afterAll(async () => {
    await target?.close();
  });
  const daemon = simulatedDaemon(undefined, 'check-metrics-reload', () => `checks:\n${check('kept')}\n`);
  const { ops, runFor } = daemon;
  const results: CheckResult[] = [];
  const check = (id: string) => `  - { id: ${id}, kind: http, url: "${target.url}/${id}", interval: 10s, timeout: 5s }`;
  /** `opsbook_check_runs_total{kind="http"}` as the daemon's registry holds it. */
  const httpRuns = async () => {
    const metric = await daemon.server.daemon.metrics.registry.getSingleMetric('opsbook_check_runs_total')?.get();
    return metric?.values.find((v) => v.labels.kind === 'http')?.value ?? 0;
  };

  beforeAll(() => {
    ops().on((e) => {
      if (e.type === 'check') results.push(e.result);
    });
  });

  it('counts every run of the checks kept and added after the reload', async () => {
    const { server } = daemon;
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
  }, scaled(120_000));
});
