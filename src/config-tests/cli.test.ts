import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli.js';
import { fixtureDir } from './test-support.js';

const PASSING = `config: ops.yaml
start: 2026-03-03T10:00:00Z
tests:
  - name: outage opens a P1
    inputs:
      series:
        - { check: api-health, values: ok down x5 }
    expect:
      incidents:
        - { at: 3m, severity: P1, state: triggered }
`;
const FAILING = PASSING.replace('name: outage opens a P1', 'name: wrong severity').replace('severity: P1, state', 'severity: P2, state');
const BROKEN = PASSING.replace('check: api-health', 'check: api-helth');

describe('opsbook test (child process)', () => {
  const fx = fixtureDir({ 'pass.yaml': PASSING, 'fail.yaml': FAILING, 'broken.yaml': BROKEN });
  afterAll(async () => (await fx).cleanup());

  it('exits 0 and ticks each test when every expectation holds', async () => {
    const { dir } = await fx;
    const run = await runCli(['test', 'pass.yaml'], { cwd: dir });
    expect(run.stdout).toContain('  ✔ outage opens a P1');
    expect(run.stdout).toContain('SUCCESS: 1 test, 0 failed (1 file)');
    expect(run.code).toBe(0);
  });

  it('exits 1 and says what happened instead on a failed expectation', async () => {
    const { dir } = await fx;
    const run = await runCli(['test', 'pass.yaml', 'fail.yaml'], { cwd: dir });
    expect(run.stdout).toContain('✖ test "wrong severity": expected incident P2 triggered at 3m, got P1 triggered "API is down" of api');
    expect(run.stdout).toContain('FAILED: 2 tests, 1 failed (2 files)');
    expect(run.code).toBe(1);
  });

  it('exits 1 on a bad test file, naming its line, and --json carries the same', async () => {
    const { dir } = await fx;
    const run = await runCli(['test', 'broken.yaml'], { cwd: dir });
    expect(run.stdout).toContain('✖ OPSBOOK_E_TEST_FILE_INVALID unknown check "api-helth"');
    expect(run.stdout).toContain('tests[0].inputs.series[0].check (broken.yaml:7)');
    expect(run.code).toBe(1);
    const json = await runCli(['test', 'broken.yaml', 'pass.yaml', '--json'], { cwd: dir });
    const report = JSON.parse(json.stdout) as { ok: boolean; tests: number; files: Array<{ error?: { code: string; location: { line: number } } }> };
    expect(report).toMatchObject({ ok: false, tests: 1 });
    expect(report.files[0]!.error).toMatchObject({ code: 'OPSBOOK_E_TEST_FILE_INVALID', location: { line: 7 } });
  });

  it("runs the YAML files of a directory's tests/ when given the directory, and says when there are none", async () => {
    const { dir } = await fx;
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(`${dir}/tests`, { recursive: true });
    writeFileSync(`${dir}/tests/a.yaml`, PASSING.replace('config: ops.yaml', 'config: ../ops.yaml'));
    writeFileSync(`${dir}/tests/b.yml`, FAILING.replace('config: ops.yaml', 'config: ../ops.yaml'));
    const run = await runCli(['test', '.'], { cwd: dir });
    expect(run.stdout).toContain('FAILED: 2 tests, 1 failed (2 files)');
    expect(run.code).toBe(1);
    const none = await runCli(['test', 'tests/..', 'nowhere'], { cwd: `${dir}` });
    expect(none.code).toBe(1);
    mkdirSync(`${dir}/empty`);
    const empty = await runCli(['test', 'empty'], { cwd: dir });
    // A usage error (docs/operating.md): exit 2.
    expect(empty.stderr).toContain('empty is a directory without test files (looked for empty/tests/*.yaml) → empty [OPSBOOK_E_USAGE]');
    expect(empty.code).toBe(2);
  });
});
