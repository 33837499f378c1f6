/**
 * The config a command reads when none is named: ./ops.yaml, else ./ops/ — and OPSBOOK_CONFIG before
 * both, for `validate` as for every other command. A config split over files beside ops.yaml (as the
 * demo's ops.yaml and paging.yaml) is read only when the directory is named: the command says so
 * rather than answer "no schedules" about a config that has one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.js';

describe('the default config', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-default-config-'));
    for (const f of ['ops.yaml', 'paging.yaml']) fs.copyFileSync(path.join(REPO_ROOT, 'examples/demo', f), path.join(dir, f));
    fs.cpSync(path.join(REPO_ROOT, 'examples/demo/runbooks'), path.join(dir, 'runbooks'), { recursive: true });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('says which YAML files beside ./ops.yaml it does not read', async () => {
    const alone = await runCli(['oncall', 'now'], { cwd: dir, env: { OPSBOOK_CONFIG: '' } });
    expect(alone.stderr).toContain('note: reading ./ops.yaml alone; paging.yaml (checks, rules, channels, schedules, escalation_policies, slos, maintenance) beside it is not read');
    expect(alone.stderr).toContain('pass --config .');
    const whole = await runCli(['oncall', 'now', '--config', '.'], { cwd: dir, env: { OPSBOOK_CONFIG: '' } });
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.stderr).not.toContain('note:');
    expect(whole.stdout).toContain('demo-primary');
  });

  it('validate reads OPSBOOK_CONFIG as every other command does', async () => {
    const run = await runCli(['validate'], { cwd: os.tmpdir(), env: { OPSBOOK_CONFIG: dir } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`✔ ${dir} is valid`);
    expect(run.stdout).toContain("2 schedules, 1 escalation policy");
  });
});
