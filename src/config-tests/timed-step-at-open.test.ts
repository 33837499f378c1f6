/**
 * A timed step due as the incident opens (`after_open: 0s`): "critical alerts go to the pager" —
 * paged at once for an incident that opens critical, and at the raise for one that becomes critical;
 * the channel the raise pages through the timed step is not also sent the raise.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli.js';
import { fixtureDir } from './test-support.js';

const CONFIG = `
users:
  - { name: ann, email: ann@example.invalid, role: responder }
services:
  - { id: api }
channels:
  - { id: hook, kind: webhook, url: "http://127.0.0.1:9/hook", secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw] }
  - { id: pager, kind: webhook, url: "http://127.0.0.1:9/pager", secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw] }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ channel: hook }, { user: ann }], timeout: 30m }
      - { targets: [{ channel: pager }], after_open: 0s, severities: [P1] }
`;

const TEST = `config: ops.yaml
start: 2026-03-03T10:00:00Z
tests:
  - name: an incident that opens critical reaches the pager at once
    inputs:
      events:
        - { at: 0m, alert: { rule: down, severity: P1, labels: { service: api }, summary: API down } }
    expect:
      notifications:
        - { at: 0m, channel: hook, event: triggered, step: 1 }
        - { at: 0m, channel: pager, event: escalated }
  - name: an incident that becomes critical reaches the pager at the raise
    inputs:
      events:
        - { at: 0m, alert: { rule: slow, severity: P3, labels: { service: api }, summary: API slow } }
        - { at: 3m, alert: { rule: down, severity: P1, labels: { service: api }, summary: API down } }
    expect:
      notifications:
        - { at: 0m, channel: hook, event: triggered, step: 1 }
        - { at: 3m, channel: hook, event: severity_raised }
        - { at: 3m, channel: pager, event: escalated }
  - name: a warning never reaches the pager (every notification is listed)
    inputs:
      events:
        - { at: 0m, alert: { rule: slow, severity: P3, labels: { service: api }, summary: API slow } }
    expect:
      notifications:
        - { at: 0m, channel: hook, event: triggered, step: 1 }
`;

describe('a timed step due at the opening', () => {
  const fx = fixtureDir({ 'at-open.yaml': TEST }, CONFIG);
  afterAll(async () => (await fx).cleanup());

  it('pages critical incidents at once and at a raise, never others', async () => {
    const { dir } = await fx;
    const run = await runCli(['test', 'at-open.yaml', '--json'], { cwd: dir });
    const report = JSON.parse(run.stdout || '{}') as { ok: boolean; files?: Array<{ tests: Array<{ name: string; failures: string[] }> }> };
    expect(report.files?.[0]?.tests.map((t) => [t.name, t.failures ?? []]) ?? run.stderr).toEqual([
      ['an incident that opens critical reaches the pager at once', []],
      ['an incident that becomes critical reaches the pager at the raise', []],
      ['a warning never reaches the pager (every notification is listed)', []],
    ]);
    expect(report.ok).toBe(true);
  });
});
