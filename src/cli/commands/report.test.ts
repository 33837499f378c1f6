/** `opsbook report` and `opsbook slo status` as real processes over a store with a day of results. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../lib/clock.js';
import { HistoryWriter, rollupAndRetain } from '../../checks/index.js';
import { openStore } from '../../store/index.js';
import { runCli } from '../../../test/support/cli.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 3, 10);
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-cli-report-'));
  fs.writeFileSync(
    path.join(dir, 'ops.yaml'),
    [
      'storage: { url: ./opsbook.db }',
      'checks:',
      '  - { id: api, kind: tcp, host: 127.0.0.1, port: 1 }',
      '  - { id: backup, kind: file, path: /nonexistent/*.gz }',
      'slos:',
      '  - { id: api-up, kind: availability, checks: [api], objective: 99.5%, window: 1d }',
      '  - { id: backup-rpo, kind: recovery_point, check: backup, target: 1h }',
      '',
    ].join('\n'),
  );
  const store = await openStore({ url: path.join(dir, 'opsbook.db') });
  await store.migrate();
  const clock = new SimulatedClock(T0);
  const writer = new HistoryWriter({ store, clock, maxBatch: 5000 });
  for (let i = 0; i < 1440; i++) writer.record({ checkId: 'api', kind: 'tcp', at: T0 + i * MIN, status: i < 3 ? 'down' : 'up', level: i < 3 ? 'critical' : 'ok', latencyMs: 5, conditions: [] });
  await writer.flush();
  await rollupAndRetain(store, T0 + 1440 * MIN + 2 * MIN, { rawMs: 400 * 86_400_000 });
  await store.close();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('opsbook report', () => {
  it('prints the report as JSON for a period ending --at an instant', async () => {
    const r = await runCli(['report', '--period', '7d', '--format', 'json', '--at', new Date(T0 + 1440 * MIN).toISOString()], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.slos[0]).toMatchObject({ id: 'api-up', events: { good: 1437, total: 1440 }, met: true });
    expect(report.recoveryPoints[0]).toMatchObject({ id: 'backup-rpo', achievedMs: null, met: false });
  });

  it('writes self-contained HTML with a budget chart to a file', async () => {
    const out = path.join(dir, 'report.html');
    const r = await runCli(['report', '--period', 'month', '--format', 'html', '--at', new Date(T0 + 1440 * MIN).toISOString(), '-o', out], { cwd: dir });
    expect(r.code).toBe(0);
    const html = fs.readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(html).toContain('Operations report — month: 2026-04-01');
  });

  it('refuses an unknown period with a usage error naming the flag', async () => {
    const r = await runCli(['report', '--period', '90d'], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--period must be one of 7d, 30d, month/);
  });

  it('slo status prints each SLO and recovery point', async () => {
    const r = await runCli(['slo', 'status'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/api-up {2}availability {2}objective 99\.5%/);
    expect(r.stdout).toMatch(/✖ backup-rpo {2}recovery point no backup found \(target 1h, check backup\)/);
  });
});
