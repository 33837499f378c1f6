import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runTestFile } from './runner.js';
import { fixtureDir } from './test-support.js';

const OUTAGE = `
config: ops.yaml
start: 2026-03-03T10:00:00Z
tests:
  - name: outage pages ann, then lead
    inputs:
      series:
        - { check: api-health, values: ok down x30 }
    expect:
      alerts:
        - { at: 0m, none: true }
        - { at: 1m, rule: api-down, state: pending }
        - { at: 3m, rule: api-down, state: firing, severity: P1, labels: { service: api } }
      incidents:
        - { at: 2m, none: true }
        - { at: 3m, severity: P1, state: triggered, title: API is down, service: api }
      notifications:
        - { at: 3m, user: ann, channel: mail, event: triggered, step: 1 }
        - { at: 13m, user: lead, event: escalated, step: 2 }
      none_after: 13m
  - name: acknowledged by ann
    inputs:
      series:
        - { check: api-health, values: ok down x30 }
      actions:
        - { at: 5m, acknowledge: "#1", as: ann }
        - { at: 20m, resolve: api-down, as: ann, note: restarted }
    expect:
      incidents:
        - { at: 5m, state: acknowledged }
        - { at: 20m, state: resolved }
      notifications:
        - { at: 3m, user: ann, step: 1 }
  - name: a queue value rule waits for its for
    inputs:
      series:
        - { check: api-queue, values: "100+300x4 1300 1300 1300 200" }
    expect:
      alerts:
        - { at: 3m, rule: queue-backlog, state: pending }
        - { at: 6m, rule: queue-backlog, state: firing, severity: P2 }
        - { at: 8m, rule: queue-backlog, state: resolved }
      incidents:
        - { at: 6m, severity: P2, state: triggered, title: Queue at 1300 }
  - name: an outside alert opens an incident
    inputs:
      events:
        - { at: 2m, alert: { rule: disk-full, severity: P2, labels: { service: api, host: db1 }, summary: Disk full on db1 } }
        - { at: 9m, alert: { rule: disk-full, status: resolved, severity: P2, labels: { service: api, host: db1 } } }
    expect:
      incidents:
        - { at: 2m, severity: P2, state: triggered, title: Disk full on db1 }
        - { at: 9m, severity: P2, state: resolved }
      notifications:
        - { at: 2m, user: ann, step: 1 }
`;

const WRONG = `
config: ops.yaml
start: 2026-03-03T10:00:00Z
tests:
  - name: wrong severity and minute
    inputs:
      series:
        - { check: api-health, values: ok down x30 }
    expect:
      incidents:
        - { at: 2m, severity: P2 }
        - { at: 3m, severity: P2 }
        - { at: 2m, severity: P1 }
      notifications:
        - { at: 12m, user: lead, event: escalated, step: 2 }
  - name: acting on nothing
    inputs:
      actions:
        - { at: 1m, acknowledge: "#1", as: ann }
  - name: a move the lifecycle forbids
    inputs:
      series:
        - { check: api-health, values: ok down x30 }
      actions:
        - { at: 4m, resolve: latest, as: ann }
        - { at: 5m, acknowledge: latest, as: ann }
`;

describe('opsbook test runner', () => {
  const fx = fixtureDir({ 'outage.yaml': OUTAGE, 'wrong.yaml': WRONG });
  afterAll(async () => (await fx).cleanup());

  it('passes a file whose expectations hold, through the real pipeline', async () => {
    const out = await runTestFile((await fx).path('outage.yaml'));
    expect(out.error).toBeUndefined();
    expect(out.tests).toEqual([
      { name: 'outage pages ann, then lead', failures: [] },
      { name: 'acknowledged by ann', failures: [] },
      { name: 'a queue value rule waits for its for', failures: [] },
      { name: 'an outside alert opens an incident', failures: [] },
    ]);
  });

  it('fails unmet expectations with what happened instead, and when', async () => {
    const out = await runTestFile((await fx).path('wrong.yaml'));
    const [wrong, nothing, forbidden] = out.tests;
    expect(wrong!.failures).toEqual([
      'expected incident P2 at 2m, got none; next, at 3m: P1 triggered "API is down" of api',
      'expected incident P1 at 2m, got none; it holds at 3m',
      'expected incident P2 at 3m, got P1 triggered "API is down" of api',
      'unexpected open incident at 3m: P1 triggered "API is down" of api',
      'expected escalated to lead (step 2) at 12m, got none; one was sent at 13m',
      'unexpected notification at 3m: triggered to ann via mail (step 1)',
      'unexpected notification at 13m: escalated to lead via mail (step 2)',
    ]);
    expect(nothing!.failures).toEqual(['at 1m: cannot acknowledge #1: no such incident']);
    expect(forbidden!.failures).toHaveLength(1);
    expect(forbidden!.failures[0]).toMatch(/^at 5m: cannot acknowledge latest: .*resolved/);
  });

  it('runs only the tests --run selects', async () => {
    const { path } = await fx;
    const out = await runTestFile(path('outage.yaml'), { filter: /^outage/ });
    expect(out.tests.map((t) => t.name)).toEqual(['outage pages ann, then lead']);
  });

  it('runs the demo config tests in examples/demo/tests', async () => {
    const dir = fileURLToPath(new URL('../../examples/demo/tests/', import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const out = await runTestFile(`${dir}${f}`);
      expect(out.error?.describe()).toBeUndefined();
      for (const t of out.tests) expect(t.failures, `${f}: ${t.name}`).toEqual([]);
    }
  });

  it("docs/testing.md's example file passes against the demo config", async () => {
    const readme = readFileSync(fileURLToPath(new URL('../../docs/testing.md', import.meta.url)), 'utf8');
    const region = readme.slice(readme.indexOf('<!-- config-tests:start -->'));
    const example = /```yaml\n([\s\S]*?)```/.exec(region)![1]!;
    const demo = fileURLToPath(new URL('../../examples/demo', import.meta.url));
    const { path } = await fx;
    writeFileSync(path('readme.yaml'), example.replace(/^config: \.\. /m, `config: ${JSON.stringify(demo)} `));
    const out = await runTestFile(path('readme.yaml'));
    expect(out.error?.describe()).toBeUndefined();
    expect(out.tests).toHaveLength(1);
    expect(out.tests[0]!.failures).toEqual([]);
  });
});
