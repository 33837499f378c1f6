/**
 * Seed 002 (Django Finance): every row of the requirements list has a line in docs/seeds/django-finance.md
 * that holds; and what the example promises of its runbook, its Prometheus rules and its recovery tests.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runRulesTestFile } from '../../src/config-tests/rules/index.js';
import { compileCheck, heartbeatReader, recordHeartbeat, registerHeartbeat, runCheckOnce } from '../../src/checks/index.js';
import { loadOpsConfig } from '../../src/daemon/config.js';
import { loadConfiguredRunbooks, resolveProcedure } from '../../src/executions/index.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { openStore } from '../../src/store/index.js';
import { describeSeedCoverage, placeholderEnv, REPO } from './coverage.js';

describeSeedCoverage({ system: 'django-finance', seed: '002' });

const DIR = join(REPO, 'examples/django-finance');

async function djangoFinance() {
  const file = join(DIR, 'ops.yaml');
  const loaded = await loadOpsConfig(file, { env: placeholderEnv(readFileSync(file, 'utf8')) });
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => `${i.message} → ${i.path}`).join('; '));
  return { config: loaded.config, runbooks: await loadConfiguredRunbooks(loaded.config, loaded.baseDir) };
}

describe('seed 002 as opsbook carries it', () => {
  it('002-R15: both health checks time out at 5 s, as the health check script (TIMEOUT=5)', async () => {
    const { config } = await djangoFinance();
    const health = config.checks.filter((c) => c.id === 'django-finance-health' || c.id === 'django-finance-health-ready');
    expect(health.map((c) => c.timeout)).toEqual([5000, 5000]);
  });

  it('002-R19: the emergency shutdown is a procedure whose pkill -9 commands are destructive', async () => {
    const { runbooks } = await djangoFinance();
    const { procedure } = resolveProcedure(runbooks, 'runbooks/django-finance.md#emergency-shutdown');
    const commands = procedure.phases.flatMap((p) => p.steps).flatMap((s) => s.blocks).flatMap((b) => b.commands);
    expect(commands.map((c) => [c.text, c.effect])).toEqual([
      ['pkill -9 daphne', 'destructive'],
      ['pkill -9 celery', 'destructive'],
    ]);
  });

  it("002-R47, 002-R48: the runbook's Prometheus rule file runs as written, from rule_files:, over the scraped app, as P2 with its procedures", async () => {
    const { config } = await djangoFinance();
    // The file holds the runbook's rules verbatim (runbooks/django-finance.md:466-482).
    const runbook = readFileSync(join(DIR, 'runbooks/django-finance.md'), 'utf8');
    const file = parseYaml(readFileSync(join(DIR, 'prometheus/alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string; for: string; labels: Record<string, string> }[] }[] };
    const prom = Object.fromEntries(file.groups.flatMap((g) => g.rules).map((r) => [r.alert, r]));
    for (const r of Object.values(prom)) expect(runbook, r.alert).toContain(`expr: ${r.expr}`);
    expect([prom.HighErrorRate!.expr, prom.HighErrorRate!.for, prom.HighErrorRate!.labels.severity]).toEqual([
      'rate(http_requests_total{status=~"5.."}[5m]) / rate(http_requests_total[5m]) > 0.01', '5m', 'critical']);
    expect([prom.HighLatency!.expr, prom.HighLatency!.for, prom.HighLatency!.labels.severity]).toEqual([
      'histogram_quantile(0.99, rate(http_request_duration_seconds_bucket[5m])) > 2', '5m', 'warning']);
    // opsbook runs it, over the app's /metrics, and pages both as the runbook's P2 "Degraded" (runbooks/django-finance.md:343).
    expect(config.rule_files.files).toEqual(['prometheus/alerts.yml']);
    expect(config.rule_files.evaluation_interval).toBe(30_000);
    expect(config.scrape.map((j) => [j.job, j.interval])).toEqual([['django-finance', 30_000]]);
    expect(config.rule_files.alerts).toEqual({
      HighErrorRate: { severity: 'P2', runbook: 'runbooks/django-finance.md#high-error-rate' },
      HighLatency: { severity: 'P2', runbook: 'runbooks/django-finance.md#high-latency' },
    });
    // No opsbook rule states them a second time (one alert of the runbook, one page).
    expect(config.rules.filter((r) => /^(high-error-rate|high-latency)$/.test(r.id))).toEqual([]);
  });

  it("002-R47, 002-R48: the rule file passes its unit tests with the runbook's thresholds and durations (opsbook test rules)", () => {
    const result = runRulesTestFile(join(DIR, 'prometheus/alerts.test.yml'));
    expect(result.errors).toEqual([]);
    const tests = parseYaml(readFileSync(join(DIR, 'prometheus/alerts.test.yml'), 'utf8')) as { tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] };
    // Both alerts are shown firing and shown quiet.
    for (const alert of ['HighErrorRate', 'HighLatency']) {
      const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => c.alertname === alert);
      expect(cases.some((c) => c.exp_alerts.length > 0), alert).toBe(true);
      expect(cases.some((c) => c.exp_alerts.length === 0), alert).toBe(true);
    }
  });

  it('002-R30: the monthly restore test runs on the 1st at 10:00 and is measured against RPO 1 h and RTO 4 h', async () => {
    const { config, runbooks } = await djangoFinance();
    const settings = config.procedures['runbooks/django-finance.md#restore-test-monthly']!;
    expect(settings.cron).toBe('0 10 1 * *');
    expect(settings.recovery_test).toEqual({ rpo: 3_600_000, rto: 4 * 3_600_000 });
    // The one step it pre-approves drops only the scratch database it created.
    const { procedure } = resolveProcedure(runbooks, 'runbooks/django-finance.md#restore-test-monthly');
    const commands = procedure.phases.flatMap((p) => p.steps).flatMap((s) => s.blocks).flatMap((b) => b.commands);
    expect(commands.filter((c) => c.effect === 'destructive').map((c) => c.text)).toEqual(['dropdb -h $DB_HOST -U $DB_USER django_finance_restore_test']);
  });

  it('002-R1 to 002-R11: the SLO tables as objectives with their windows, per endpoint class', async () => {
    const { config } = await djangoFinance();
    const slo = (id: string) => config.slos.find((s) => s.id === id) as unknown as Record<string, unknown> | undefined;
    expect([slo('django-finance-uptime')?.objective, slo('django-finance-uptime')?.window]).toEqual([0.999, 'month']);
    expect(slo('django-finance-health-check-success')?.objective).toBe(0.9999);
    expect([slo('django-finance-api-availability')?.objective, slo('django-finance-api-availability')?.window]).toEqual([0.999, 'month']);
    const latency = Object.fromEntries(
      config.slos.filter((s) => s.kind === 'latency').map((s) => [s.id, [(s as unknown as { percentile: string }).percentile, (s as unknown as { threshold: number }).threshold]]),
    );
    // runbooks/django-finance.md:19-25, p50 / p95 / p99 in ms
    const table: Record<string, [number, number, number]> = {
      health: [50, 100, 200],
      'api-read': [200, 500, 1000],
      'api-write': [500, 1000, 2000],
      dashboard: [300, 700, 1500],
      reports: [1000, 2000, 5000],
    };
    for (const [cls, [p50, p95, p99]] of Object.entries(table)) {
      expect(latency[`${cls}-latency-p50`], cls).toEqual(['p50', p50]);
      expect(latency[`${cls}-latency-p95`], cls).toEqual(['p95', p95]);
      expect(latency[`${cls}-latency-p99`], cls).toEqual(['p99', p99]);
    }
    expect(slo('django-finance-5xx-errors')?.objective).toBe(0.999);
    expect(slo('django-finance-4xx-errors')?.objective).toBe(0.99);
    expect(slo('django-finance-failed-transactions')?.objective).toBe(0.9999);
  });

  it('002-R31: the severity ladder P1 15 min, P2 1 h, P3 4 h, P4 24 h', async () => {
    const { config } = await djangoFinance();
    expect(config.severities.map((s) => [s.id, s.response])).toEqual([
      ['P1', { kind: 'duration', ms: 15 * 60_000 }],
      ['P2', { kind: 'duration', ms: 3_600_000 }],
      ['P3', { kind: 'duration', ms: 4 * 3_600_000 }],
      ['P4', { kind: 'duration', ms: 24 * 3_600_000 }],
    ]);
  });

  it('002-R38: each disaster scenario is a recovery test with its own recovery time', async () => {
    const { config, runbooks } = await djangoFinance();
    const rto = (id: string) => {
      resolveProcedure(runbooks, `runbooks/django-finance.md#${id}`);
      return config.procedures[`runbooks/django-finance.md#${id}`]?.recovery_test?.rto;
    };
    expect(rto('single-instance-failure')).toBe(5 * 60_000);
    expect(rto('database-failure')).toBe(3_600_000);
    expect(rto('full-region-failure')).toBe(4 * 3_600_000);
    expect(rto('dr-test-quarterly')).toBe(4 * 3_600_000);
  });
  it('002-R27, 002-R28: the weekly snapshot is late a week and an hour after its last beat, the monthly archive 31 days and a day after', async () => {
    const { config } = await djangoFinance();
    const dir = mkdtempSync(join(tmpdir(), 'opsbook-df-heartbeats-'));
    const store = await openStore({ url: join(dir, 'heartbeats.db') });
    const HOUR = 3_600_000;
    const DAY = 24 * HOUR;
    try {
      await store.migrate();
      const clock = new SimulatedClock(Date.UTC(2026, 2, 1));
      const heartbeats = heartbeatReader(store);
      for (const [id, onTime] of [['django-finance-weekly-snapshot', 7 * DAY + HOUR], ['django-finance-monthly-archive', 32 * DAY]] as const) {
        const check = compileCheck(config.checks.find((c) => c.id === id)!);
        const token = await registerHeartbeat(store, id, clock.now());
        const beat = clock.now();
        await recordHeartbeat(store, token, beat);
        // The example's own period + grace, on the simulated clock: on time to the millisecond, then late.
        await clock.advanceTo(beat + onTime);
        expect((await runCheckOnce(check, { clock, heartbeats })).status, `${id} at period + grace`).toBe('up');
        await clock.advanceTo(beat + onTime + 1);
        expect((await runCheckOnce(check, { clock, heartbeats })).status, `${id} past period + grace`).toBe('down');
        await recordHeartbeat(store, token, clock.now());
        expect((await runCheckOnce(check, { clock, heartbeats })).status, `${id} after a beat`).toBe('up');
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
