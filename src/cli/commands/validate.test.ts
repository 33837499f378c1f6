import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/cli.js';
import { configDir } from '../../config/test-support.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function dirWith(files: Record<string, string>): Promise<string> {
  const { dir, cleanup } = await configDir(files);
  cleanups.push(cleanup);
  return dir;
}

describe('opsbook validate', () => {
  it('exits 0 and summarises a valid config found as ./ops.yaml', async () => {
    const dir = await dirWith({ 'ops.yaml': 'services:\n  - id: api\n  - id: db\nusers:\n  - name: ana\n' });
    const run = await runCli(['validate'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('✔ ops.yaml is valid (2 services, 0 checks, 1 user, 4 severities)');
    expect(run.code).toBe(0);
  });

  it('exits 1 listing three located problems for a config with three mistakes', async () => {
    const dir = await dirWith({
      'ops/10-server.yaml': 'server:\n  shutdown_timeout: 10 minutes\nstorage:\n  url: ${OPSBOOK_TEST_NEVER_SET}\n',
      'ops/20-services.yaml': 'services:\n  - id: api\n    base_urll: https://api.example.com\n',
    });
    const run = await runCli(['validate'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n')).toEqual([
      '✖ shutdown_timeout must be a duration such as 30s, 5m or 1h30m (got "10 minutes") → server.shutdown_timeout (ops/10-server.yaml:2)',
      '✖ environment variable OPSBOOK_TEST_NEVER_SET is not set → storage.url (ops/10-server.yaml:4)',
      '✖ unknown key "base_urll" (did you mean "base_url"?) → services[0].base_urll (ops/20-services.yaml:3)',
      '3 problems in ops',
      'Not set: OPSBOOK_TEST_NEVER_SET. Export them, or give a default in the config with ${VAR:-default}.',
    ]);
  });

  it('names each unset variable once, and the game-day runner for a directory with a gameday.yaml', async () => {
    const vars = ['A', 'B', 'C', 'D', 'E'].map((x) => `OPSBOOK_TEST_UNSET_${x}`);
    const dir = await dirWith({
      'sys/ops.yaml': `services:\n${vars.map((v, i) => `  - id: s${i}\n    base_url: \${${v}}\n    name: \${${v}}\n`).join('')}`,
      'sys/gameday.yaml': 'scenarios: []\n',
      'plain/ops.yaml': 'services:\n  - id: api\n    base_url: ${OPSBOOK_TEST_UNSET_A}\n    name: ${OPSBOOK_TEST_UNSET_A:-API}\n',
    });
    const world = await runCli(['validate', 'sys'], { cwd: dir });
    expect(world.code).toBe(1);
    const lines = world.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('✖'))).toHaveLength(10);
    expect(lines.at(-1)).toBe(
      'Not set: OPSBOOK_TEST_UNSET_A, OPSBOOK_TEST_UNSET_B, OPSBOOK_TEST_UNSET_C, OPSBOOK_TEST_UNSET_D, … (5 in all). Export them, or give a default in the config with ${VAR:-default}; `opsbook gameday sys` runs this system in a world that sets them.',
    );
    const plain = await runCli(['validate', 'plain/ops.yaml'], { cwd: dir });
    expect(plain.stdout.trim().split('\n').at(-1)).toBe('Not set: OPSBOOK_TEST_UNSET_A. Export them, or give a default in the config with ${VAR:-default}.');
    const valid = await runCli(['validate', 'plain/ops.yaml'], { cwd: dir, env: { OPSBOOK_TEST_UNSET_A: 'https://api.example.com' } });
    expect(valid.stdout).not.toContain('Not set');
    // Every command that refuses the config says the same: the daemon and a local command.
    for (const args of [['serve', '--config', 'sys'], ['incident', 'list', '--config', 'sys']]) {
      const refused = await runCli(args, { cwd: dir });
      expect(refused.code, args.join(' ')).not.toBe(0);
      expect(refused.stderr, args.join(' ')).toContain('environment variable OPSBOOK_TEST_UNSET_E is not set');
      expect(refused.stderr, args.join(' ')).toContain('(5 in all). Export them, or give a default in the config with ${VAR:-default}; `opsbook gameday sys` runs');
    }
  });

  it('reads the runbooks as serve does: a missing runbook file, a directory, and every FILE#ID naming no procedure, located', async () => {
    const runbook = '# Orders\n\n## RB-001: Orders down\n\n**Diagnosis:**\n\n1. Look\n\n```bash\necho hi\n```\n';
    const ops = (runbooks: string) =>
      [
        'services:\n  - id: orders',
        'checks:\n  - { id: orders-port, kind: tcp, service: orders, host: 127.0.0.1, port: 9, runbook: runbooks/orders.md#RB-009 }',
        'rules:\n  - id: orders-down\n    check: orders-port\n    runbook: runbook/order.md#RB-001',
        'slos:\n  - { id: orders-up, kind: availability, checks: [orders-port], objective: 99%, runbook: runbooks/orders.md#rb-001 }',
        'procedures:\n  "runbooks/orders.md#RB-002": {}',
        `runbooks:\n${runbooks}`,
      ].join('\n') + '\n';
    const dir = await dirWith({
      'refs/ops.yaml': ops('  - runbooks/*.md'),
      'refs/runbooks/orders.md': runbook,
      'files/ops.yaml': ops('  files:\n    - runbooks/orders.md\n    - runbooks/missing.md\n    - runbooks'),
      'files/runbooks/orders.md': runbook,
    });
    const refs = await runCli(['validate', 'refs'], { cwd: dir });
    expect(refs.stdout.trim().split('\n')).toEqual([
      '✖ no procedure runbooks/orders.md#RB-009 (procedures in runbooks/orders.md: RB-001) → checks[0].runbook (refs/ops.yaml:4)',
      '✖ no procedure runbook/order.md#RB-001 (runbooks: runbooks/orders.md) → rules[0].runbook (refs/ops.yaml:8)',
      '✖ no procedure runbooks/orders.md#RB-002 (procedures in runbooks/orders.md: RB-001) → procedures["runbooks/orders.md#RB-002"] (refs/ops.yaml:12)',
      '3 problems in refs',
    ]);
    expect(refs.code).toBe(1);
    const files = await runCli(['validate', 'files', '--json'], { cwd: dir });
    expect(files.code).toBe(1);
    expect(JSON.parse(files.stdout).issues).toEqual([
      { code: 'OPSBOOK_E_RUNBOOK_READ', message: expect.stringMatching(/^runbook runbooks\/missing\.md does not exist \(paths are relative to .*files\)$/), path: 'runbooks.files[1]', file: 'files/ops.yaml', line: 16 },
      { code: 'OPSBOOK_E_RUNBOOK_READ', message: 'runbook runbooks is a directory (name its files, or a glob such as runbooks/*.md)', path: 'runbooks.files[2]', file: 'files/ops.yaml', line: 17 },
    ]);
    // A reference into a file where nothing reads as a procedure says why, not "none".
    const notesDir = await dirWith({
      'ops.yaml': 'checks:\n  - { id: orders-port, kind: tcp, host: 127.0.0.1, port: 9, runbook: runbooks/notes.md#restart }\nrunbooks: [runbooks/*.md]\n',
      'runbooks/notes.md': '# Notes\n\nThe orders service keeps its queue in Redis.\n',
    });
    const notes = await runCli(['validate'], { cwd: notesDir });
    expect(notes.code).toBe(1);
    expect(notes.stdout).toContain('✖ no procedure runbooks/notes.md#restart (no procedure found in runbooks/notes.md: no heading or bold label names a phase (Diagnosis, Mitigation…)');
    // A procedure run by cron runs unattended: a step that changes something must be pre-approved.
    const cronDir = await dirWith({
      'ops.yaml': 'services:\n  - { id: orders, shell: { allow: [systemctl] } }\nrunbooks: [runbooks/*.md]\nprocedures:\n  "runbooks/orders.md#RB-001":\n    cron: "0 3 * * *"\n',
      'runbooks/orders.md': runbook.replace('echo hi', 'systemctl restart orders'),
    });
    const cron = await runCli(['validate'], { cwd: cronDir });
    expect(cron.code).toBe(1);
    expect(cron.stdout).toMatch(/^✖ a cron procedure runs unattended, so every step must be read or pre_approved: step 1 \(Look\) is \w+ and not in pre_approved → procedures\["runbooks\/orders\.md#RB-001"\]\.cron \(ops\.yaml:6\)$/m);
    // The daemon refuses the same config with the same words, before it listens.
    const serve = await runCli(['serve', '--config', 'refs', '--port', '0'], { cwd: dir });
    expect(serve.code).not.toBe(0);
    expect(serve.stderr).toContain('no procedure runbook/order.md#RB-001 (runbooks: runbooks/orders.md) → rules[0].runbook (refs/ops.yaml:8)');
    expect(serve.stdout).not.toContain('listening');
    // Once they resolve, the summary counts the runbook paths too.
    fs.writeFileSync(path.join(dir, 'refs/ops.yaml'), ops('  - runbooks/*.md').replace('RB-009', 'RB-001').replace('runbook/order.md', 'runbooks/orders.md').replace(/procedures:\n.*\n/, ''));
    const valid = await runCli(['validate', 'refs'], { cwd: dir });
    expect(valid.stdout.trim()).toBe('✔ refs is valid (1 service, 1 check, 1 rule, 4 severities, 1 SLO, 1 runbook path)');
  });

  it('refuses a runbooks: and a rule_files: ** that would walk the whole disk, located, instead of walking it', async () => {
    // 10,100 folders under big/: past the walk's bound of 10,000 (the old load walked them all, and `/**` for minutes).
    const dir = await dirWith({
      'runbooks/ops.yaml': 'services:\n  - id: api\nrunbooks:\n  - ../big/**/*.md\n',
      'rules/ops.yaml': 'services:\n  - id: api\nrule_files:\n  - ../big/**/*.yml\n',
    });
    for (let i = 0; i < 100; i++) for (let j = 0; j < 100; j++) fs.mkdirSync(path.join(dir, 'big', `team-${i}`, `svc-${j}`), { recursive: true });
    const runbooks = await runCli(['validate', 'runbooks', '--json'], { cwd: dir });
    expect(runbooks.code).toBe(1);
    expect(JSON.parse(runbooks.stdout).issues).toEqual([
      expect.objectContaining({ code: 'OPSBOOK_E_RUNBOOK_READ', message: expect.stringMatching(/^runbook \.\.\/big\/\*\*\/\*\.md walks more than 10,000 directories under \/.*\/big: a \*\* goes to the bottom/), file: 'runbooks/ops.yaml', line: 4 }),
    ]);
    const rules = await runCli(['validate', 'rules', '--json'], { cwd: dir });
    expect(rules.code).toBe(1);
    expect(JSON.parse(rules.stdout).issues).toEqual([
      expect.objectContaining({ code: 'OPSBOOK_E_RULE_FILE_INVALID', path: 'rule_files.files[0]', message: expect.stringMatching(/^rule_files: \.\.\/big\/\*\*\/\*\.yml walks more than 10,000 directories under \/.*\/big: a \*\* goes to the bottom[^(]*$/), file: 'rules/ops.yaml', line: 4 }),
    ]);
  });

  it('locates a rule_files: entry that matches nothing at its own line, and a problem inside a file it matched at that file:line, naming the entry', async () => {
    const dir = await dirWith({
      'cfg/ops.yaml': 'services:\n  - id: api\nrule_files:\n  files:\n    - ../rules/bad.yml\n    - ../rules/missing.yml\n    - /**/nothing-here.yml\n',
      'rules/bad.yml': 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up ==\n',
    });
    const run = await runCli(['validate', 'cfg', '--json'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).issues).toEqual([
      expect.objectContaining({ path: 'rule_files.files[1]', message: 'rule file ../rules/missing.yml does not exist (rule_files is relative to the config directory)', file: 'cfg/ops.yaml', line: 6 }),
      expect.objectContaining({ path: 'rule_files.files[2]', message: expect.stringMatching(/^rule_files: \/\*\*\/nothing-here\.yml walks more than 10,000 directories under \/:/), file: 'cfg/ops.yaml', line: 7 }),
      expect.objectContaining({ path: 'rule_files.files[0]', message: expect.stringMatching(/^could not parse expression: .*\(rule_files\.files\[0\] at cfg\/ops\.yaml:5\)$/), file: 'rules/bad.yml', line: 5 }),
    ]);
    for (const issue of JSON.parse(run.stdout).issues) expect(issue.code).toBe('OPSBOOK_E_RULE_FILE_INVALID');
  });

  it('prints JSON with --json and exits 1 on a missing path', async () => {
    const dir = await dirWith({ 'x.yaml': 'server: {port: 1}' });
    const ok = await runCli(['validate', 'x.yaml', '--json'], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ valid: true, files: ['x.yaml'], issues: [] });
    const missing = await runCli(['validate', 'nope.yaml', '--json'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ valid: false, issues: [{ code: 'OPSBOOK_E_CONFIG_READ', file: 'nope.yaml' }] });
  });
});

describe('opsbook schema', () => {
  it('prints a draft 2020-12 JSON Schema with every section, strict about unknown keys', async () => {
    const run = await runCli(['schema']);
    expect(run.code).toBe(0);
    const schema = JSON.parse(run.stdout) as { $schema: string; properties: Record<string, unknown>; additionalProperties: boolean };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties).sort()).toEqual(
      [
        'audit', 'auth', 'business_hours', 'channels', 'checks', 'config', 'escalation_policies', 'integrations', 'maintenance', 'paging', 'procedures', 'review', 'rule_files', 'rules', 'runbooks',
        'samples', 'schedules', 'scrape', 'server', 'services', 'severities', 'silences', 'slos', 'status_page', 'storage', 'teams', 'users',
      ].sort(),
    );
    expect(schema.properties.server).toMatchObject({ properties: { port: { default: 4100 }, shutdown_timeout: { default: '10s', type: 'string' } } });
  });
});
