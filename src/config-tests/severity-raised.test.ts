/**
 * A worse alert joins an open incident: the channels its escalation already paged are told, with
 * the new severity (a pager's urgency follows it), once per raise; a later step's channel is not.
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
  - { id: lead, kind: webhook, url: "http://127.0.0.1:9/lead", secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw] }
  - { id: hook, kind: webhook, url: "http://127.0.0.1:9/hook", secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw] }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ channel: hook }, { user: ann }], timeout: 30m }
      - { targets: [{ channel: lead }], timeout: 30m }
`;

const TEST = `config: ops.yaml
start: 2026-03-03T10:00:00Z
tests:
  - name: a P1 joining a P3 tells the paged channel
    inputs:
      events:
        - { at: 0m, alert: { rule: slow, severity: P3, labels: { service: api }, summary: API slow } }
        - { at: 3m, alert: { rule: down, severity: P1, labels: { service: api }, summary: API down } }
        - { at: 4m, alert: { rule: down2, severity: P2, labels: { service: api }, summary: API half down } }
    expect:
      incidents:
        - { at: 5m, severity: P1, state: triggered }
      notifications:
        - { at: 0m, channel: hook, event: triggered, step: 1 }
        - { at: 3m, channel: hook, event: severity_raised }
`;

// A reopening pages again (PagerDuty triggers under the incident's key): only where paged before.
// Its escalation starts again too, under keys of its own: the first step is paged for the new
// opening (its links act on that opening). Acknowledgements and resolutions go to every channel
// of the policy.
const REOPEN = `config: ops.yaml
start: 2026-03-03T10:00:00Z
tests:
  - name: a reopened incident tells the channel paged before, not the later step's
    inputs:
      events:
        - { at: 0m, alert: { rule: down, severity: P1, labels: { service: api }, summary: API down } }
        - { at: 2m, alert: { rule: down, status: resolved, severity: P1, labels: { service: api } } }
        - { at: 4m, alert: { rule: down, severity: P1, labels: { service: api }, summary: API down } }
    expect:
      notifications:
        - { at: 0m, channel: hook, event: triggered, step: 1 }
        - { at: 2m, channel: hook, event: resolved }
        - { at: 2m, channel: lead, event: resolved }
        - { at: 4m, channel: hook, event: reopened }
        - { at: 4m, channel: hook, event: triggered, step: 1 }
`;

describe('severity raised by a worse alert, and a reopening', () => {
  const fx = fixtureDir({ 'raised.yaml': TEST, 'reopen.yaml': REOPEN }, CONFIG);
  afterAll(async () => (await fx).cleanup());

  it('sends the channels already paged an update with the new severity, once', async () => {
    const { dir } = await fx;
    const run = await runCli(['test', 'raised.yaml', '--json'], { cwd: dir });
    const report = JSON.parse(run.stdout) as { ok: boolean; files: Array<{ tests: Array<{ failures: string[] }> }> };
    expect(report.files[0]!.tests[0]!.failures ?? []).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('sends a reopening to the channels paged before only', async () => {
    const { dir } = await fx;
    const run = await runCli(['test', 'reopen.yaml'], { cwd: dir });
    expect(run.stdout).toContain('SUCCESS: 1 test, 0 failed (1 file)');
    expect(run.code).toBe(0);
  });
});
