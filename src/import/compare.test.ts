import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compare, formatComparison } from './compare.js';
import { notInRunbook } from './compare-marks.js';
import { propose, type Item, type Proposal } from './index.js';

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

  it('pairs checks for the most items found, not in example order (an early check no longer takes the one a later check needed)', () => {
    const text = ['# Api', '', '**Warning Alerts**:', '- High CPU usage (> 80%)', '- High memory usage (> 85%)', ''].join('\n');
    // `cpu-usage-seen` has no level: either proposed check is it. Its words match the CPU check, which
    // `load` needs for its level; taken in order, `load` was left the memory check and missed.
    const example = parse(`
checks:
  - { id: cpu-usage-seen, kind: metrics, url: "\${U}/metrics", rate: process_cpu_seconds_total }
  - { id: load, kind: metrics, url: "\${U}/metrics", gauge: node_load1, warning: "[VALUE] > 80%" }
`) as Record<string, unknown>;
    const c = compare(propose([{ text, ref: 'api.md' }]), example, [text]);
    expect(c.missing).toEqual([]);
    expect(c.byKind.checks).toEqual({ found: 2, total: 2 });
  });

  it('of several proposed rules alike but for severity, pairs the one with the example rule\'s severity', () => {
    const text = ['# Api', '', 'Page SEV2 when the API is down; SEV3 for the rest.', ''].join('\n');
    const item = (section: Item['section'], id: string, body: Record<string, unknown>): Item => ({ section, id, body, sources: [], notes: [] });
    const proposal: Proposal = {
      runbooks: [],
      prometheusRules: [],
      findings: [],
      todos: [],
      credentials: [],
      items: [
        item('checks', 'api', { kind: 'http', url: 'https://api.test/health' }),
        item('rules', 'api-down-low', { check: 'api', severity: 'SEV3' }),
        item('rules', 'api-down', { check: 'api', severity: 'SEV2' }),
      ],
    };
    const example = parse(`
checks:
  - { id: api, kind: http, url: "\${U}/health" }
rules:
  - { id: api-down, check: api, severity: SEV2 }
`) as Record<string, unknown>;
    expect(compare(proposal, example, [text]).byKind['rule severities']).toEqual({ found: 1, total: 1 });
  });

  it('leaves out of the totals, and lists, the items the example marks `# not in the runbook:`', () => {
    const configText = `
severities:
  - { id: SEV1, response: 15m }
  - { id: SEV2, response: 1h }   # not in the runbook: the ladder gives SEV2 no response time
checks:
  # not in the runbook: the game-day world's pager, no runbook line reads it
  - { id: pager, kind: http, url: "\${U}/pager" }
  - { id: health, kind: http, url: "\${U}/health" }
rules:
  - { id: pager-down, check: pager, severity: SEV1 }
  # not in the runbook: a second rule the example adds
  - { id: health-slow, check: health, condition: "value > 1" }
  - id: health-down
    check: health
    severity: SEV1   # not in the runbook: the runbook gives the health check no severity
escalation_policies:
  - id: shop
    steps:
      - { targets: [{ user: a }], timeout: 1h }
      - { targets: [{ user: b }], timeout: 45m }   # not in the runbook: a placeholder's timeout
      - { targets: [{ user: c }] }
`;
    const marks = notInRunbook(configText);
    expect([...marks.keys()]).toEqual(['checks/pager', 'rules/health-slow', 'rules/health-down/severity', 'severities/SEV2', 'escalation_policies/shop/steps/2']);
    const example = parse(configText) as Record<string, unknown>;
    const all = compare(propose([{ text: runbook, ref: 'shop.md' }]), example, undefined);
    const c = compare(propose([{ text: runbook, ref: 'shop.md' }]), example, undefined, marks);
    // Marked: the pager check and the rule on it (with its severity), a rule, a rule's severity (the rule
    // itself counts), a severity, a step: 7 items.
    expect(all.total - c.total).toBe(7);
    expect(c.byKind.rules).toEqual({ found: 1, total: 1 });
    expect(c.notStated).toEqual([
      'checks: pager — the game-day world\'s pager, no runbook line reads it',
      'rules: pager-down — on pager, not in the runbook',
      'rule severities: pager-down "SEV1" — on pager, not in the runbook',
      'rules: health-slow — a second rule the example adds',
      'rule severities: health-down "SEV1" — the runbook gives the health check no severity',
      'severities: SEV2 response 1h — the ladder gives SEV2 no response time',
      'escalation steps: shop step 2 timeout 45m — a placeholder\'s timeout',
    ]);
    // What is not marked is still counted: the health check, SEV1, the first step.
    expect(c.byKind).toMatchObject({ checks: { total: 1 }, severities: { total: 1 }, 'escalation steps': { total: 1 } });
    expect(formatComparison('shop', c)).toContain('not stated by the runbook (marked `# not in the runbook:` in the example): 7');
  });

  it('leaves open a level the example marks `# not in the runbook:`: the check counts, and the proposal must not guess the level', () => {
    const configText = `
checks:
  - id: health
    kind: http
    url: "\${U}/health"
    warning: "[RESPONSE_TIME] >= 1000"   # not in the runbook: the runbook gives no response time
`;
    const marks = notInRunbook(configText);
    expect([...marks.keys()]).toEqual(['checks/health/warning']);
    const example = parse(configText) as Record<string, unknown>;
    const proposal = propose([{ text: runbook, ref: 'shop.md' }]);
    expect(compare(proposal, example).byKind.checks).toEqual({ found: 0, total: 1 });
    const c = compare(proposal, example, [runbook], marks);
    expect(c.byKind.checks).toEqual({ found: 1, total: 1 });
    expect(c.open).toEqual(['checks: health warning "[RESPONSE_TIME] >= 1000" — the runbook gives no response time']);
    // A proposal that guesses a level there is not a match.
    const guessed = { ...proposal, items: proposal.items.map((i) => (i.section === 'checks' && i.body.kind === 'http' ? { ...i, body: { ...i.body, warning: ['[RESPONSE_TIME] >= 500'] } } : i)) };
    expect(compare(guessed, example, [runbook], marks).byKind.checks).toEqual({ found: 0, total: 1 });
  });

  it('finds an example rule that import proposes as the same Prometheus alert in the rule file', () => {
    const text = [
      '# Pay', '', '| Severity | Description | Response Time |', '|---|---|---|', '| SEV1 | Outage | 15 min |', '| SEV2 | Degraded, high error rate | 1 hour |', '',
      '## Alerting', '', '```yaml', 'groups:', '  - name: pay', '    rules:', '      - alert: PayErrors',
      '        expr: sum(rate(pay_requests_total{code=~"5.."}[10m])) / sum(rate(pay_requests_total[10m])) > 0.02', '        for: 10m', '        labels:', '          severity: critical', '```', '',
    ].join('\n');
    const example = parse(`
checks:
  - { id: pay-errors, kind: metrics, url: "\${U}/metrics", ratio: { of: 'pay_requests_total{code=~"5.."}', over: pay_requests_total } }
rules:
  - { id: pay-error-rate, check: pay-errors, condition: "value > 2%", for: 10m }
  - { id: pay-error-rate-fast, check: pay-errors, condition: "value > 2%", for: 1m }
`) as Record<string, unknown>;
    const proposal = propose([{ text, ref: 'pay.md' }]);
    expect(proposal.prometheusRules.map((r) => r.name)).toEqual(['PayErrors']);
    const c = compare(proposal, example, [text]);
    // The alert held 10 minutes is the rule; held 1 minute it is not.
    expect(c.byKind.rules).toEqual({ found: 1, total: 2 });
    expect(c.missing).toContain('rules: pay-error-rate-fast value > 2% for 1m');
  });

  it('finds a level in a rule that fires at once on the same condition, and a rule in such a level', () => {
    const item = (section: Item['section'], id: string, body: Record<string, unknown>): Item => ({ section, id, body, sources: [], notes: [] });
    const proposal = (items: Item[]): Proposal => ({ runbooks: [], prometheusRules: [], findings: [], todos: [], credentials: [], items });
    const example = parse(`
checks:
  - { id: fallback, kind: metrics, url: "\${U}/metrics", gauge: "\${F}", warning: "[VALUE] > 20%" }
  - { id: disk, kind: metrics, url: "\${U}/metrics", gauge: "\${D}" }
rules:
  - { id: disk-full, check: disk, condition: "value > 90%" }
`) as Record<string, unknown>;
    const asRules = proposal([
      item('checks', 'p-fallback', { kind: 'metrics', gauge: '${TODO_F}' }),
      item('rules', 'p-fallback-alert', { check: 'p-fallback', condition: 'value > 20%' }),
      item('checks', 'p-disk', { kind: 'metrics', gauge: '${TODO_D}', warning: ['[VALUE] > 90%'] }),
      item('rules', 'p-disk-level', { check: 'p-disk', severity: { warning: 'P4', critical: 'P4' } }),
    ]);
    const c = compare(asRules, example);
    expect(c.missing).toEqual([]);
    // A rule that waits is not the level (a level fires on the first result), nor another bound.
    const waits = proposal(asRules.items.map((i) => (i.id === 'p-fallback-alert' ? { ...i, body: { ...i.body, for: '5m' } } : i.id === 'p-disk' ? { ...i, body: { ...i.body, warning: ['[VALUE] > 80%'] } } : i)));
    expect(compare(waits, example).missing).toEqual(['checks: fallback (metrics "${F}")', 'rules: disk-full value > 90%']);
  });

  it('leaves open a rule\'s bound the example marks `# not in the runbook:`: the proposal must leave it a TODO', () => {
    const item = (section: Item['section'], id: string, body: Record<string, unknown>): Item => ({ section, id, body, sources: [], notes: [] });
    const configText = `
checks:
  - { id: pool, kind: metrics, url: "\${U}/metrics", gauge: "\${P}" }
rules:
  - id: pool-high
    check: pool
    condition: value >= 24   # not in the runbook: 80% of a capacity it does not give
`;
    const marks = notInRunbook(configText);
    expect([...marks.keys()]).toEqual(['rules/pool-high/condition']);
    const example = parse(configText) as Record<string, unknown>;
    const proposal = (condition: string): Proposal => ({
      runbooks: [], prometheusRules: [], findings: [], todos: [], credentials: [],
      items: [item('checks', 'p', { kind: 'metrics', gauge: '${TODO_P}' }), item('rules', 'p-capacity', { check: 'p', condition })],
    });
    const open = compare(proposal('value >= ${TODO_P_ALERT_AT}'), example, undefined, marks);
    expect(open.byKind.rules).toEqual({ found: 1, total: 1 });
    expect(open.open).toEqual(['rules: pool-high value >= 24 — 80% of a capacity it does not give']);
    // A guessed bound, or another operator, is not a match.
    expect(compare(proposal('value >= 20'), example, undefined, marks).byKind.rules).toEqual({ found: 0, total: 1 });
    expect(compare(proposal('value > ${TODO_P_ALERT_AT}'), example, undefined, marks).byKind.rules).toEqual({ found: 0, total: 1 });
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
