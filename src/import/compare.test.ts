import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compare, formatComparison } from './compare.js';
import { propose } from './index.js';

const runbook = [
  '# Shop', '', '| Severity | Description | Response Time |', '|---|---|---|', '| SEV1 | Outage | 15 min |', '| SEV2 | Degraded | 1 hour |', '',
  '## Monitoring', '', '```bash', 'curl https://shop.io/health', '```', '', '**Alerts**:', '- Error rate > 5% for 5 minutes', '',
].join('\n');

describe('opsbook import --compare', () => {
  it('counts an example item found only when its numbers match, and names what is missing', () => {
    const example = parse(`
severities:
  - { id: SEV1, response: 15m }
  - { id: SEV2, response: 2h }
checks:
  - { id: health, kind: http, url: "\${WORLD_URL}/health" }
  - { id: errors, kind: metrics, url: "\${WORLD_URL}/metrics", gauge: "\${ERRORS}" }
rules:
  - { id: error-rate, check: errors, condition: "value > 5%", for: 5m, severity: SEV2 }
  - { id: error-rate-fast, check: errors, condition: "value > 5%", for: 1m }
`) as Record<string, unknown>;
    const c = compare(propose([{ text: runbook, ref: 'shop.md' }]), example);
    // The metric the example fills from its environment is any metric: the rule on it is found, the
    // rule waiting 1m is not (the runbook says 5 minutes).
    expect(c.byKind).toEqual({
      severities: { found: 1, total: 2 },
      checks: { found: 2, total: 2 },
      rules: { found: 1, total: 2 },
      'rule severities': { found: 1, total: 1 },
    });
    expect(c.missing).toEqual(['rules: error-rate-fast value > 5% for 1m', 'severities: SEV2 response 2h']);
    expect(formatComparison('shop', c).split('\n')[0]).toBe('shop: 5/7 items found with correct numbers (71%)');
  });

  it('counts a severity or a paging time only when the runbook writes it, and lists the others apart', () => {
    const example = parse(`
severities:
  - { id: SEV1, response: 15m }
  - { id: SEV2, response: 1d }
escalation_policies:
  - id: shop
    steps: [{ targets: [{ user: a }], timeout: 1h }, { targets: [{ user: b }], timeout: 45m }, { targets: [{ user: c }] }]
checks:
  - { id: errors, kind: metrics, url: "\${WORLD_URL}/metrics", gauge: "\${ERRORS}" }
rules:
  - { id: error-rate, check: errors, condition: "value > 5%", for: 5m, severity: SEV2 }
  - { id: error-rate-page, check: errors, condition: "value > 5%", for: 5m, severity: { warning: SEV2, critical: SEV1 } }
`) as Record<string, unknown>;
    // SEV1 and SEV2 are written only in the rows that define them; "1 hour" is written, 1d and 45m are not.
    const c = compare(propose([{ text: runbook, ref: 'shop.md' }]), example, [runbook]);
    expect(c.notCounted).toEqual([
      'rule severities: error-rate "SEV2"',
      'rule severities: error-rate-page {"warning":"SEV2","critical":"SEV1"}',
      'severities: SEV2 response 1d',
      'escalation steps: shop step 2 timeout 45m',
    ]);
    expect(c.byKind.severities).toEqual({ found: 1, total: 1 });
    expect(c.byKind['escalation steps']).toEqual({ found: 0, total: 1 });
    expect(c.byKind['rule severities']).toBeUndefined();
    expect(formatComparison('shop', c)).toContain('not counted (a severity or a paging time the runbook does not write): 4');
    // A severity written outside its definition row ("page SEV2 at once") counts.
    const said = `${runbook}\nPage SEV2 at once when the error rate is high.\n`;
    expect(compare(propose([{ text: said, ref: 'shop.md' }]), example, [said]).byKind['rule severities']?.total).toBe(1);
  });

  it('reads a percentage in a condition as the fraction opsbook compares', () => {
    const example = parse(`
checks:
  - { id: errors, kind: metrics, url: "\${WORLD_URL}/metrics", gauge: "\${ERRORS}" }
rules:
  - { id: error-rate, check: errors, condition: "value > 0.05", for: 5m }
`) as Record<string, unknown>;
    expect(compare(propose([{ text: runbook, ref: 'shop.md' }]), example, [runbook]).byKind.rules).toEqual({ found: 1, total: 1 });
  });

  it('compares SLO numbers in their units, an absent window as the default 30d', () => {
    const text = ['# Api', '', '## SLOs', '', '| Endpoint | p50 | p99 |', '|---|---|---|', '| Search | 1.5s | 2s |', ''].join('\n');
    const example = parse(`
slos:
  - { id: a, kind: latency, checks: [x], percentile: p50, threshold: 1500ms, window: 30d }
  - { id: b, kind: latency, checks: [x], percentile: p99, threshold: 2s }
  - { id: c, kind: latency, checks: [x], percentile: p99, threshold: 2s, window: 7d }
`) as Record<string, unknown>;
    const c = compare(propose([{ text, ref: 'api.md' }]), example, [text]);
    expect(c.byKind.slos).toEqual({ found: 2, total: 3 });
    expect(c.missing).toEqual(['slos: c latency 2s p99 7d']);
  });

  it('pairs checks on one JSON endpoint by the key they read', () => {
    const text = ['# Inv', '', '```bash', "curl http://inv.test/stats | jq '.db.pool_ratio'", "curl http://inv.test/stats | jq '.cache.hit_rate'", '```', '', '**Alert Thresholds**:', '- Cache hit rate < 60%: Warning', '- Pool ratio > 90%: Critical', ''].join('\n');
    const example = parse(`
checks:
  - { id: stats, kind: http, url: "\${U}/stats" }
  - { id: pool, kind: json, url: "\${U}/stats", path: .db.pool_ratio, critical: "[VALUE] > 90%" }
  - { id: hits, kind: json, url: "\${U}/stats", path: .cache.hit_rate, warning: "[VALUE] < 60%" }
`) as Record<string, unknown>;
    const c = compare(propose([{ text, ref: 'inv.md' }]), example, [text]);
    expect(c.missing).toEqual([]);
    expect(c.byKind.checks).toEqual({ found: 3, total: 3 });
  });

  it('pairs one proposed check with one example check; a postgres check by the relations its query reads', () => {
    const text = ['# Stock', '', '## Database down', '', '```bash', 'pg_isready -h db.test', '```', ''].join('\n');
    const example = parse(`
checks:
  - { id: up, kind: postgres, url: "\${PG}" }
  - { id: up-again, kind: postgres, url: "\${PG}" }
  - { id: locks, kind: postgres, url: "\${PG}", query: "select count(*) from pg_locks l join pg_stat_activity a on a.pid = l.pid" }
  - { id: any, kind: postgres, url: "\${PG}", query: "\${QUERY}" }
`) as Record<string, unknown>;
    const c = compare(propose([{ text, ref: 'stock.md' }]), example, [text]);
    // The one connection check the runbook gives is `up`; it is not also `up-again`, and reads no pg_locks.
    expect(c.missing).toEqual(['checks: up-again (postgres connect)', 'checks: locks (postgres pg_locks,pg_stat_activity)', 'checks: any (postgres ${…})']);
  });

  it('compares a threshold on a query that returns a percentage as that percentage (80 there = 80% of a fraction)', () => {
    const text = ['# Db', '', '| Metric | Alert Threshold |', '|---|---|', '| DB connections | >80% pool |', '', '## Too many connections', '', '```sql', 'SELECT count(*) FROM pg_stat_activity;', '```', ''].join('\n');
    const example = parse(`
checks:
  - { id: conns, kind: postgres, url: "\${PG}", query: "select 100.0 * count(*) / current_setting('max_connections')::int from pg_stat_activity" }
rules:
  - { id: conns-high, check: conns, condition: "value > 80" }
  - { id: conns-tiny, check: conns, condition: "value > 0.8" }
`) as Record<string, unknown>;
    const c = compare(propose([{ text, ref: 'db.md' }]), example, [text]);
    // The proposal reads a fraction and writes 80%: the same bound. 0.8 of a percentage is not.
    expect(c.missing).toEqual(['rules: conns-tiny value > 0.8']);
  });

  it('leaves open a metric or an objective the runbook never writes: the proposal must not guess it', () => {
    const text = ['# Api', '', '**Warning Alerts**:', '- High CPU usage (> 80%)', '', '| Endpoint | SLA |', '|---|---|', '| `/health` | <50ms |', ''].join('\n');
    const example = parse(`
checks:
  - { id: cpu, kind: metrics, url: "\${U}/metrics", rate: process_cpu_seconds_total, warning: ["[VALUE] > 0.8"] }
  - { id: health, kind: http, url: "\${U}/health" }
slos:
  - { id: health-sla, kind: latency, checks: [health], threshold: 50ms, objective: 99.5%, window: 30d }
`) as Record<string, unknown>;
    const proposal = propose([{ text, ref: 'api.md' }]);
    const c = compare(proposal, example, [text]);
    expect(c.open).toEqual(['checks: cpu reads "process_cpu_seconds_total"', 'slos: health-sla objective 99.5%']);
    expect(c.missing).toEqual([]);
    // A proposal that guesses the metric is not a match.
    const guessed = { ...proposal, items: proposal.items.map((i) => (i.section === 'checks' && i.body.kind === 'metrics' ? { ...i, body: { ...i.body, gauge: 'node_load1' } } : i)) };
    expect(compare(guessed, example, [text]).missing).toEqual(['checks: cpu (metrics "process_cpu_seconds_total")']);
    // Once the runbook names the metric, it is compared.
    const named = `${text}\nSee process_cpu_seconds_total.\n`;
    expect(compare(propose([{ text: named, ref: 'api.md' }]), example, [named]).open).toEqual(['slos: health-sla objective 99.5%']);
  });

  it('runs on the example of a seed and finds some of it', async () => {
    const dir = path.resolve(import.meta.dirname, '../../examples/novapulse');
    const example = parse(await readFile(path.join(dir, 'ops.yaml'), 'utf8')) as Record<string, unknown>;
    const c = compare(propose([{ text: await readFile(path.join(dir, 'runbooks/novapulse.md'), 'utf8'), ref: 'runbooks/novapulse.md' }]), example);
    expect(c.total).toBeGreaterThan(10);
    expect(c.found).toBeGreaterThan(0);
    expect(c.found).toBeLessThanOrEqual(c.total);
  });
});
