import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { propose, type Item, type Proposal } from './index.js';

const seedsDir = path.resolve(import.meta.dirname, '../../test/fixtures/runbooks/seeds');
const seed = async (n: number): Promise<{ name: string; proposal: Proposal }> => {
  const name = (await readdir(seedsDir)).sort()[n]!;
  return { name, proposal: propose([{ text: await readFile(path.join(seedsDir, name), 'utf8'), ref: name }]) };
};
const one = (text: string): Proposal => propose([{ text, ref: 'ops.md' }]);

const rules = (p: Proposal): Item[] => p.items.filter((i) => i.section === 'rules');
const checks = (p: Proposal): Item[] => p.items.filter((i) => i.section === 'checks');
const levels = (c: Item): string[] => [...((c.body.warning as string[] | undefined) ?? []), ...((c.body.critical as string[] | undefined) ?? [])];

/**
 * The severity each alert of the proposal would open, as opsbook evaluates config: a rule with a
 * condition opens its `severity` (critical when a map; P1 when absent); a check's levels open the
 * severity map of a condition-less rule on it, or the defaults (warning P3, critical P1).
 */
function opens(p: Proposal): { what: string; severity: string }[] {
  const out: { what: string; severity: string }[] = [];
  for (const r of rules(p)) {
    if (r.body.condition === undefined) continue;
    const s = r.body.severity;
    out.push({ what: `rule ${r.id}`, severity: typeof s === 'string' ? s : ((s as { critical?: string } | undefined)?.critical ?? 'P1') });
  }
  for (const r of p.prometheusRules) {
    if (r.rule.alert !== undefined) out.push({ what: `prometheus rule ${r.name}`, severity: String((r.rule.labels as Record<string, unknown> | undefined)?.severity ?? 'P1') });
  }
  for (const c of checks(p)) {
    const levelRule = rules(p).find((r) => r.body.check === c.id && r.body.condition === undefined);
    const map = (levelRule?.body.severity ?? {}) as string | { warning?: string; critical?: string };
    const of = (level: 'warning' | 'critical'): string => (typeof map === 'string' ? map : (map[level] ?? (level === 'warning' ? 'P3' : 'P1')));
    if (((c.body.warning as string[] | undefined) ?? []).length > 0) out.push({ what: `check ${c.id} warning`, severity: of('warning') });
    // A check that fails (down, stale, conditions false) is critical whether or not it has levels.
    out.push({ what: `check ${c.id} critical`, severity: of('critical') });
  }
  return out;
}

describe('import never over-pages: severities', () => {
  it('a rule whose severity the runbook does not state is not P1 (seed 001 states none: "API error rate > 1% for 10 minutes")', async () => {
    const { proposal } = await seed(1);
    const warning = rules(proposal).find((r) => r.body.condition === 'value > 1%')!;
    expect(warning.body).toMatchObject({ for: '10m' });
    expect(warning.body.severity).toBe('P4');
    expect(opens(proposal).filter((o) => o.severity === 'P1')).toEqual([]);
  });

  it('another shape: "Alerts:" bullets with no severity open the lowest severity of the runbook’s own ladder', () => {
    const p = one(['# Billing', '', '| Severity | Description | Response Time |', '|---|---|---|', '| SEV1 | Outage | 15 min |', '| SEV2 | Degraded | 1 hour |', '| SEV3 | Minor | 1 day |', '', '**Alerts**:', '- Disk usage > 90% for 15 minutes', '- Open connections > 500', ''].join('\n'));
    const found = opens(p);
    expect(found.length).toBeGreaterThan(0);
    for (const o of found) expect(o, o.what).toMatchObject({ severity: 'SEV3' });
  });

  it('every check level and every rule names its severity (none falls back to the P1 default)', async () => {
    for (const n of [0, 1, 2, 3, 4]) {
      const { proposal } = await seed(n);
      for (const r of rules(proposal)) expect(r.body.severity, `${n} ${r.id}`).toBeDefined();
      for (const c of checks(proposal).filter((x) => levels(x).length > 0)) {
        expect(rules(proposal).find((r) => r.body.check === c.id && r.body.condition === undefined)?.body.severity, `${n} ${c.id}`).toBeDefined();
      }
    }
  });

  it('a check without levels (a health endpoint, a backup, a queue) that fails opens a stated severity or the lowest, never the implicit P1', async () => {
    for (const n of [0, 1, 2, 3, 4]) {
      const { proposal } = await seed(n);
      for (const c of checks(proposal)) {
        expect(rules(proposal).find((r) => r.body.check === c.id && r.body.condition === undefined)?.body.severity, `${n} ${c.id}`).toBeDefined();
      }
    }
    const p = one(['# Billing', '', '| Severity | Description | Response Time |', '|---|---|---|', '| SEV1 | Outage | 15 min |', '| SEV2 | Degraded | 1 hour |', '', '## Backups', '', '| Component | Method | Frequency | Retention |', '|---|---|---|---|', '| Ledger DB | pg_dump | Daily | 30 days |', '', '```bash', 'curl https://billing.example.org/healthz', '```', ''].join('\n'));
    const down = opens(p).filter((o) => o.what.startsWith('check '));
    expect(down.length).toBeGreaterThanOrEqual(2);
    for (const o of down) expect(o, o.what).toMatchObject({ severity: 'SEV2' });
  });

  it('severities come from the runbook’s own table: seed 002’s "High error rate" example is P2, nothing there opens P1', async () => {
    const { proposal } = await seed(2);
    const found = opens(proposal);
    expect(found.find((o) => o.what === 'check django-finance-error-rate-5xx critical')?.severity).toBe('P2');
    expect(found.find((o) => o.what === 'prometheus rule HighErrorRate')?.severity).toBe('P2');
    expect(found.filter((o) => o.severity === 'P1')).toEqual([]);
  });

  it('another shape: a SEV table whose row describes the measurement gives that row’s id to its critical level', () => {
    const p = one(['# Billing', '', '| Severity | Description | Response Time | Examples |', '|---|---|---|---|', '| SEV1 | Outage | 15 min | Site down |', '| SEV2 | Degraded | 1 hour | Queue backlog growing |', '| SEV3 | Minor | 1 day | Cosmetic |', '', '| Metric | Warning | Critical |', '|---|---|---|', '| Queue backlog | > 100 | > 1000 |', '| Disk usage | > 80% | > 90% |', ''].join('\n'));
    const found = opens(p);
    expect(found.find((o) => o.what.endsWith('queue-backlog critical'))?.severity).toBe('SEV2');
    expect(found.find((o) => o.what.endsWith('disk-usage critical'))?.severity).toBe('SEV3');
    expect(found.filter((o) => o.severity === 'SEV1')).toEqual([]);
  });

  it('a severity the runbook states is kept (seed 003’s procedure severities, seed 004’s "(P0 threshold)")', async () => {
    expect(rules((await seed(3)).proposal).find((r) => r.id === 'critical-connection-pool-utilization')?.body.severity).toBe('P1');
    expect(rules((await seed(4)).proposal).find((r) => r.id === 'sign-x-studio-clone-error-rate-alert')?.body.severity).toBe('P0');
  });
});

describe('import never over-pages: a check’s levels respect the rule’s for:', () => {
  it('seed 001: "API error rate > 5% for 5 minutes" is a rule with for: 5m and no check level that fires at once', async () => {
    const { proposal } = await seed(1);
    const check = checks(proposal).find((c) => c.id === 'novapulse-api-error-rate')!;
    expect(levels(check)).toEqual([]);
    expect(rules(proposal).filter((r) => r.body.check === check.id && r.body.condition !== undefined).map((r) => [r.body.condition, r.body.for])).toEqual([
      ['value > 5%', '5m'],
      ['value > 1%', '10m'],
    ]);
  });

  it('no seed gives a check a level on the same threshold as a rule that waits', async () => {
    for (const n of [0, 1, 2, 3, 4]) {
      const { proposal } = await seed(n);
      for (const r of rules(proposal).filter((x) => typeof x.body.for === 'string' && x.body.for !== '0')) {
        const check = checks(proposal).find((c) => c.id === r.body.check);
        const threshold = String(r.body.condition).replace(/^value\s*/, '');
        for (const l of check ? levels(check) : []) expect(l.replace(/^\[[A-Z_]+\]\s*/, ''), `${n} ${r.id}`).not.toBe(threshold);
      }
    }
  });

  it('another shape: "Critical: CPU > 95% for 10 minutes" waits 10 minutes', () => {
    const p = one(['# Billing', '', '## Monitoring', '', '- CPU > 95% for 10 minutes: critical', '- CPU > 80%: warning', ''].join('\n'));
    const cpu = checks(p).find((c) => /cpu/.test(c.id))!;
    expect(cpu.body.critical ?? []).toEqual([]);
    expect(cpu.body.warning).toEqual(['[VALUE] > 80%']);
    expect(rules(p).find((r) => r.body.condition === 'value > 95%')?.body).toMatchObject({ for: '10m', labels: { level: 'critical' } });
  });
});
