/**
 * A config reload and the procedures run by `cron`. One daemon on SQLite, on a simulated clock, with
 * a morning check scheduled at 07:00 UTC. A reload whose runbooks cannot be read (a directory where
 * the runbook file was) is rejected as any invalid config is, and the running config kept: the next
 * morning's run still happens, the problem is logged with its cause and the reload is counted
 * `rejected`. A reload that can read them picks up
 * a changed schedule. A reload while a scheduled run is in flight does not wait for it; the run
 * finishes and is recorded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { listExecutions } from '../../src/executions/index.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled } from '../support/timing.js';

const RUNBOOK = `# Ops

## RB-7: Morning checks

**Diagnosis:**
\`\`\`bash
cat healthy.flag
\`\`\`
`;
const config = (cron: string) => `services:
  - id: web
    shell: { cwd: "." }
runbooks: [runbooks/ops.md]
procedures:
  "runbooks/ops.md#rb-7": { service: web, cron: "${cron}", time_zone: UTC }
`;

describe('a config reload and the procedures run by cron', () => {
  let server: DaemonApp;
  const clock = new SimulatedClock('2026-03-02T06:00:00Z');
  const runbook = () => path.join(server.dir, 'runbooks', 'ops.md');
  /** The finished cron runs, oldest first. */
  const reloads = async () =>
    (await server.daemon.metrics.registry.getSingleMetric('opsbook_config_reloads_total')!.get()).values.map((v) => `${v.labels.result}=${v.value}`).sort();
  const cronRuns = async () => (await listExecutions(server.daemon.store)).filter((e) => e.trigger === 'cron').reverse();
  /** Moves the clock to `at` and waits until `n` cron runs have finished. */
  const runsAfter = async (at: string, n: number) => {
    await clock.advanceTo(Date.parse(at));
    await expect.poll(async () => (await cronRuns()).filter((r) => r.finishedAt !== null).length, { timeout: scaled(30_000), interval: 50 }).toBe(n);
  };

  beforeAll(async () => {
    server = await startDaemonApp('procedure-reload', { 'ops.yaml': config('0 7 * * *'), 'runbooks/ops.md': RUNBOOK, 'healthy.flag': 'green\n' }, { clock });
  }, scaled(60_000));

  afterAll(async () => {
    await server?.close();
  }, scaled(60_000));

  it('a reload whose runbooks cannot be read is rejected: the scheduled procedures go on running, and it says why', async () => {
    await runsAfter('2026-03-02T07:00:00Z', 1);

    const errors = vi.spyOn(server.daemon.logger, 'error');
    fs.renameSync(runbook(), `${runbook()}.away`);
    fs.mkdirSync(runbook());
    try {
      const reloaded = await server.daemon.reload().catch((e: unknown) => e);

      // The next morning's run happens under the scheduler that was running.
      await runsAfter('2026-03-03T07:00:00Z', 2);
      expect((await cronRuns()).map((r) => r.procedure)).toEqual(['runbooks/ops.md#RB-7', 'runbooks/ops.md#RB-7']);
      // Rejected as a whole, as `opsbook validate` and a start would refuse it: nothing of it applied.
      expect(reloaded).toBe(false);
      expect(await reloads()).toEqual(['rejected=1']);
      const logged = errors.mock.calls.find(([, msg]) => typeof msg === 'string' && msg.includes('config reload rejected; keeping the running config'));
      expect(logged, 'the failed read is logged').toBeDefined();
      expect((logged![0] as { issues: string[] }).issues).toEqual([expect.stringContaining('runbook runbooks/ops.md is a directory')]);
    } finally {
      errors.mockRestore();
      fs.rmdirSync(runbook());
      fs.renameSync(`${runbook()}.away`, runbook());
    }
  }, scaled(120_000));

  it('a reload that reads the runbooks picks up a changed schedule', async () => {
    fs.writeFileSync(path.join(server.dir, 'ops.yaml'), config('30 8 * * *'));
    expect(await server.daemon.reload()).toBe(true);
    expect(await reloads()).toEqual(['applied=1', 'rejected=1']);

    // 08:30 is a run time from the reload on; 07:00 is not any more.
    await runsAfter('2026-03-03T08:30:00Z', 3);
    await clock.advanceTo(Date.parse('2026-03-04T07:00:00Z'));
    await runsAfter('2026-03-04T08:30:00Z', 4);
    const runs = await cronRuns();
    expect(runs.map((r) => new Date(r.startedAt).toISOString())).toEqual([
      '2026-03-02T07:00:00.000Z',
      '2026-03-03T07:00:00.000Z',
      '2026-03-03T08:30:00.000Z',
      '2026-03-04T08:30:00.000Z',
    ]);
  }, scaled(120_000));
});

describe('a config reload while a scheduled procedure runs', () => {
  let server: DaemonApp;
  const clock = new SimulatedClock('2026-03-02T06:00:00Z');
  const SLOW = RUNBOOK.replace('cat healthy.flag', 'until [ -e go.flag ]; do sleep 0.05; done');

  beforeAll(async () => {
    server = await startDaemonApp('procedure-reload-in-flight', { 'ops.yaml': config('0 7 * * *').replace('time_zone: UTC', 'time_zone: UTC, pre_approved: [1]'), 'runbooks/ops.md': SLOW }, { clock });
  }, scaled(60_000));

  afterAll(async () => {
    fs.writeFileSync(path.join(server.dir, 'go.flag'), '');
    await server?.close();
  }, scaled(60_000));

  it('does not wait for the run; the run finishes under the service that started it and is recorded', async () => {
    await clock.advanceTo(Date.parse('2026-03-02T07:00:00Z'));
    const runs = () => listExecutions(server.daemon.store);
    await expect.poll(async () => (await runs()).map((r) => r.state), { timeout: scaled(30_000), interval: 50 }).toEqual(['running']);

    let reloaded: boolean | undefined;
    void server.daemon.reload().then((r) => (reloaded = r));
    await expect.poll(() => reloaded, { timeout: scaled(10_000), interval: 50 }).toBe(true);
    expect((await runs()).map((r) => r.state)).toEqual(['running']);

    fs.writeFileSync(path.join(server.dir, 'go.flag'), '');
    await expect.poll(async () => (await runs()).map((r) => r.state), { timeout: scaled(30_000), interval: 50 }).toEqual(['passed']);
  }, scaled(120_000));
});
