import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { emit, propose, type Proposal } from './index.js';
import { fillTodos } from './test-support.js';

const seedsDir = path.resolve(import.meta.dirname, '../../test/fixtures/runbooks/seeds');

describe('opsbook import on the seed runbooks', () => {
  let dir: string;
  const seeds: { name: string; text: string; proposal: Proposal; config: string }[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'opsbook-import-'));
    for (const name of (await readdir(seedsDir)).sort()) {
      const text = await readFile(path.join(seedsDir, name), 'utf8');
      const proposal = propose([{ text, ref: name }]);
      seeds.push({ name, text, proposal, config: emit(proposal).config });
    }
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('fails validation only by naming the TODO variables, and validates once they are set', async () => {
    expect(seeds).toHaveLength(5);
    for (const s of seeds) {
      const file = path.join(dir, `${s.name}.ops.yaml`);
      await writeFile(file, s.config);
      const bare = await loadConfig(file, { env: {} });
      expect(bare.ok, s.name).toBe(false);
      if (!bare.ok) {
        for (const issue of bare.issues) {
          expect(issue.code, `${s.name}: ${issue.message}`).toBe('OPSBOOK_E_CONFIG_ENV_MISSING');
          expect(issue.message).toMatch(/TODO_[A-Z0-9_]+/);
        }
      }
      const filled = await loadConfig(file, { env: fillTodos(s.proposal) });
      expect(filled.ok ? [] : filled.issues.map((i) => `${i.path}: ${i.message}`), s.name).toEqual([]);
    }
  });

  it('gives every item and finding a source line the runbook has, and the line says what was found', () => {
    for (const s of seeds) {
      const lines = s.text.split('\n');
      for (const item of s.proposal.items) {
        expect(item.sources.length, `${s.name} ${item.id}`).toBeGreaterThan(0);
        for (const src of item.sources) {
          expect(src.file).toBe(s.name);
          expect(lines[src.line - 1]?.trim(), `${item.id} at ${src.line}`).not.toBe('');
        }
      }
      for (const f of s.proposal.findings) expect(f.source.line).toBeLessThanOrEqual(lines.length);
    }
  });

  it('is deterministic: the same runbook gives the same bytes', () => {
    for (const s of seeds) expect(emit(propose([{ text: s.text, ref: s.name }])).config).toBe(s.config);
  });

  const item = (seed: number, section: string, id: string) => seeds[seed]!.proposal.items.find((i) => i.section === section && i.id === id);

  it('Nxentra: health endpoints with SLA warnings, the severity ladder with the contact table’s response times, escalation from the contact table', () => {
    expect(item(0, 'checks', 'nxentra-health-ready')?.body).toMatchObject({ kind: 'http', url: '${TODO_NXENTRA_BASE_URL}/_health/ready', warning: ['[RESPONSE_TIME] >= 100ms'] });
    expect(item(0, 'checks', 'nxentra-projection-lag')?.body).toMatchObject({ kind: 'metrics', url: '${TODO_NXENTRA_BASE_URL}/_metrics/', gauge: 'nxentra_projection_lag', runbook: '000_a7f4e4757f99016a.txt#RB-001' });
    const lag = seeds[0]!.proposal.items.filter((i) => i.section === 'rules' && i.body.check === 'nxentra-projection-lag' && i.body.condition !== undefined);
    expect(lag).toHaveLength(1);
    expect(lag[0]!.sources.map((s) => s.line)).toEqual([104, 363]);
    expect(item(0, 'severities', 'P1')?.body).toMatchObject({ name: 'Service down', response: '15m' });
    expect((item(0, 'escalation_policies', 'nxentra-escalation')?.body.steps as { timeout: string }[]).map((s) => s.timeout)).toEqual(['15m', '1h', '4h']);
    expect(item(0, 'checks', 'nxentra-backup-system-db')?.body).toMatchObject({ kind: 'file', max_age: '26h', path: '${TODO_NXENTRA_SYSTEM_DB_BACKUP_PATH}' });
  });

  it('NovaPulse: LLEN queues carry the "Email queue > 500 jobs: Warning" levels', () => {
    const email = item(1, 'checks', 'novapulse-queue-nova-email-waiting')!;
    expect(email.body).toMatchObject({ kind: 'redis', key: 'nova:email:waiting', warning: ['[LENGTH] > 500'], critical: ['[LENGTH] > 1000'] });
    expect(email.sources.map((s) => s.line)).toEqual([39, 46, 47]);
    expect(item(1, 'rules', 'novapulse-api-error-rate-critical')?.body).toMatchObject({ condition: 'value > 5%', for: '5m' });
  });

  it('Django Finance: Prometheus rules go to the rule file as written, linked to their procedures; SLO tables become SLOs', () => {
    const rules = seeds[2]!.proposal.prometheusRules;
    expect(rules.map((r) => [r.group, r.name, r.source.line, r.leftOut])).toEqual([['django-finance', 'HighErrorRate', 468, undefined], ['django-finance', 'HighLatency', 476, undefined]]);
    expect(rules[0]!.rule).toEqual({
      alert: 'HighErrorRate',
      expr: 'rate(http_requests_total{status=~"5.."}[5m]) / rate(http_requests_total[5m]) > 0.01',
      for: '5m',
      labels: { severity: 'P2' },
      annotations: { summary: 'High error rate detected', runbook: '002_2df39a6cbf760328.txt#high-error-rate' },
    });
    expect(rules[1]!.rule).toMatchObject({ labels: { severity: 'P4' }, annotations: { runbook: '002_2df39a6cbf760328.txt#high-latency' } });
    // They are rule-file rules now, not metrics checks and opsbook rules.
    expect(item(2, 'rules', 'high-error-rate')).toBeUndefined();
    expect(item(2, 'slos', 'django-finance-health-check-success')?.body).toMatchObject({ kind: 'availability', objective: '99.99%', checks: ['django-finance-health', 'django-finance-health-ready'] });
    expect(item(2, 'slos', 'django-finance-5xx-errors')?.body).toMatchObject({ kind: 'error_ratio', objective: '99.9%' });
    expect(item(2, 'severities', 'P4')?.body).toMatchObject({ response: '24h' });
    expect((item(2, 'escalation_policies', 'django-finance-escalation')?.body.steps as { timeout: string }[]).map((s) => s.timeout)).toEqual(['30m', '30m', '${TODO_DJANGO_FINANCE_ESCALATION_VP_ENGINEERING_TIMEOUT}']);
  });

  it('library app: symptom thresholds become rules with the procedure’s severity and runbook; expected results become warnings', () => {
    const svc = '003-5c42631f60849fc3';
    expect(item(3, 'rules', 'high-replication-lag')?.body).toMatchObject({ check: `${svc}-replication-lag`, condition: 'value > 5', severity: 'P2', runbook: '003_5c42631f60849fc3.txt#replication-lag' });
    expect(item(3, 'checks', `${svc}-replication-lag`)?.body.warning).toEqual(['[VALUE] >= 2']);
    expect(item(3, 'checks', `${svc}-connection-pool-utilization`)?.body.warning).toEqual(['[VALUE] < 40% || [VALUE] > 70%']);
    expect(item(3, 'checks', `${svc}-backup-daily-backup`)?.body).toMatchObject({ path: '/backups/postgresql/muejam_library_*.sql.gz', max_age: '26h' });
  });

  it('SIGN X / APEX: P0–P3 with next_business_day, a certificate check, "(P0 threshold)" as the rule severity', () => {
    expect(item(4, 'severities', 'P3')?.body).toMatchObject({ name: 'Low', response: 'next_business_day' });
    expect(item(4, 'checks', 'sign-x-studio-clone-certificate')?.body).toMatchObject({ kind: 'tls', warning: ['[CERTIFICATE_EXPIRATION] < 30d'], runbook: '004_c5697c093fa1bf1e.txt#scenario-8-certificate-expiration' });
    expect(item(4, 'rules', 'sign-x-studio-clone-error-rate-alert')?.body).toMatchObject({ condition: 'value > 5%', severity: 'P0', runbook: '004_c5697c093fa1bf1e.txt#scenario-5-high-error-rate' });
    expect(item(4, 'checks', 'sign-x-studio-clone-queue-celery')?.body).toMatchObject({ kind: 'redis', key: 'celery' });
  });
});
