/**
 * A command reads the files the config names — its runbooks and rule files — only when it runs or
 * shows a runbook (`run`, `incident review`) or checks the whole config (`validate`, `serve`). The
 * others (`incident list`, `incident ack`, `oncall now`…) read neither: with a library of hundreds of
 * runbooks that was most of each command's start, and a runbook missing or a rule file broken refused
 * an on-call engineer's `incident ack` that never reads one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.js';

describe('runbooks and rule files read by the commands that use them', () => {
  let dir: string;
  const env = { OPSBOOK_CONFIG: '', OPSBOOK_USER: 'ana' };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-runbooks-needed-'));
    fs.cpSync(path.join(REPO_ROOT, 'examples/demo/runbooks'), path.join(dir, 'runbooks'), { recursive: true });
    // One entry names a runbook that is not there, and the rule file's expression does not parse:
    // validate and serve refuse the config for each.
    fs.mkdirSync(path.join(dir, 'rules'));
    fs.writeFileSync(path.join(dir, 'rules', 'broken.yml'), 'groups:\n  - name: api\n    rules:\n      - alert: ApiErrors\n        expr: rate(http_errors_total[5m] >\n');
    fs.writeFileSync(path.join(dir, 'ops.yaml'), 'users:\n  - { name: ana, role: responder }\nrunbooks:\n  - runbooks/*.md\n  - runbooks/missing.md\nrule_files: [rules/broken.yml]\n');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('validate names the broken rule file at its line', async () => {
    // The rule files are read first: a config they refuse is not read on into its runbooks.
    const run = await runCli(['validate', '.'], { cwd: dir, env });
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/broken\.yml:5/);
  });

  it('declaring, listing and acknowledging incidents read neither, so the broken files refuse none of them', async () => {
    const declared = await runCli(['incident', 'declare', 'Checkout slow', '--severity', 'P2', '--json', '--config', '.'], { cwd: dir, env });
    expect(declared.code, declared.stderr).toBe(0);
    const id = (JSON.parse(declared.stdout) as { id: string }).id;
    const list = await runCli(['incident', 'list', '--config', '.'], { cwd: dir, env });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('Checkout slow');
    const ack = await runCli(['incident', 'ack', id, '--config', '.'], { cwd: dir, env });
    expect(ack.code, ack.stderr).toBe(0);
    const show = await runCli(['incident', 'show', id, '--json', '--config', '.'], { cwd: dir, env });
    expect((JSON.parse(show.stdout) as { incident: { state: string } }).incident.state).toBe('acknowledged');
  });

  it('run and incident review read them all, and refuse the config', async () => {
    const run = await runCli(['run', 'runbooks/missing.md#anything', '--config', '.'], { cwd: dir, env });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('broken.yml');
    expect(run.stderr).toContain('OPSBOOK_E_CONFIG_INVALID');
    const review = await runCli(['incident', 'review', 'inc_none', '--config', '.'], { cwd: dir, env });
    expect(review.code).not.toBe(0);
    expect(review.stderr).toContain('broken.yml');
    // With the rule file mended, the missing runbook is what they refuse.
    fs.writeFileSync(path.join(dir, 'rules', 'broken.yml'), 'groups:\n  - name: api\n    rules:\n      - alert: ApiErrors\n        expr: rate(http_errors_total[5m]) > 1\n');
    try {
      const again = await runCli(['run', 'runbooks/missing.md#anything', '--config', '.'], { cwd: dir, env });
      expect(again.code).not.toBe(0);
      expect(again.stderr).toMatch(/missing\.md.*ops\.yaml:5/s);
    } finally {
      fs.writeFileSync(path.join(dir, 'rules', 'broken.yml'), 'groups:\n  - name: api\n    rules:\n      - alert: ApiErrors\n        expr: rate(http_errors_total[5m] >\n');
    }
  });
});
