/**
 * A command reads the config's runbooks only when it runs or shows one (`run`, `incident review`,
 * `validate`, `serve`). The others (`incident list`, `incident ack`, `oncall now`…) neither read a
 * runbook nor check the config's `FILE#ID` references: with a library of hundreds of runbooks that was
 * most of each command's start, and a runbook missing or broken refused an on-call engineer's
 * `incident ack` that never reads one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.js';

describe('runbooks read by the commands that use them', () => {
  let dir: string;
  const env = { OPSBOOK_CONFIG: '', OPSBOOK_USER: 'ana' };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-runbooks-needed-'));
    fs.cpSync(path.join(REPO_ROOT, 'examples/demo/runbooks'), path.join(dir, 'runbooks'), { recursive: true });
    // One entry names a runbook that is not there: validate and serve refuse the config for it.
    fs.writeFileSync(path.join(dir, 'ops.yaml'), 'users:\n  - { name: ana, role: responder }\nrunbooks:\n  - runbooks/*.md\n  - runbooks/missing.md\n');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('validate names the missing runbook at its line', async () => {
    const run = await runCli(['validate', '.'], { cwd: dir, env });
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/ops\.yaml:5.*missing\.md|missing\.md.*ops\.yaml:5/s);
  });

  it('declaring, listing and acknowledging incidents read no runbook, so the missing one refuses none of them', async () => {
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

  it('run and incident review read them all, and refuse the config naming the missing one', async () => {
    const run = await runCli(['run', 'runbooks/missing.md#anything', '--config', '.'], { cwd: dir, env });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('missing.md');
    expect(run.stderr).toContain('OPSBOOK_E_CONFIG_INVALID');
    const review = await runCli(['incident', 'review', 'inc_none', '--config', '.'], { cwd: dir, env });
    expect(review.code).not.toBe(0);
    expect(review.stderr).toContain('missing.md');
  });
});
