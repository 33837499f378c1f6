import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT as repoRoot, runCli } from '../../../test/support/cli.js';

async function opsbook(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(args);
}

describe('opsbook import', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'opsbook-import-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('--out writes ops.yaml referring to the runbooks from there, and the rule file rule_files: names', async () => {
    const out = path.join(dir, 'proposal');
    const r = await opsbook('import', 'test/fixtures/import/payments-api.md', 'test/fixtures/import/payments-alerts.rules.yml', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/wrote .*ops\.yaml, .*prometheus\/rules\.yaml: \d+ checks/);
    const config = await readFile(path.join(out, 'ops.yaml'), 'utf8');
    const ref = path.relative(out, path.join(repoRoot, 'test/fixtures/import/payments-api.md')).split(path.sep).join('/');
    expect(config).toContain(`  - ${ref}\n`);
    expect(config).toContain(`# source: ${ref}:10`);
    expect((await stat(path.join(out, 'prometheus/rules.yaml'))).isFile()).toBe(true);
    expect(config).toMatch(/\nrule_files:\n( {2}#.*\n)* {2}- prometheus\/rules\.yaml\n/);
    const check = await opsbook('validate', path.join(out, 'ops.yaml'));
    expect(check.code).not.toBe(0);
    expect(check.stdout + check.stderr).toContain('TODO_PAYMENTS_API_BASE_URL');
  });

  it('prints YAML to stdout, or the proposal as --json', async () => {
    const yaml = await opsbook('import', 'test/fixtures/import/payments-api.md');
    expect(yaml.stdout).toContain('url: ${TODO_PAYMENTS_API_BASE_URL}/healthz');
    const json = await opsbook('import', '--json', 'test/fixtures/import/payments-api.md');
    const proposal = JSON.parse(json.stdout) as { todos: { name: string }[]; findings: unknown[] };
    expect(proposal.todos.map((t) => t.name)).toContain('TODO_PAYMENTS_API_BASE_URL');
  });

  it('never writes a credential the runbook writes: ops.yaml, stdout, --json and the report name ${NAME} variables instead, and the config validates with them set', async () => {
    const fixture = 'test/fixtures/import/library-credentials.md';
    const secrets = ['S3cretAdm1n', 'tok_9f8e7d6c5b4a', 'ak_live_51HxQ2', 'Hunter2Pass', 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0', 'xk_5up3rs3cret', 'PgPa55word', 'Db4ppPass', 'MyS3cretPw', 'R3disPassw0rd'];
    const out = path.join(dir, 'credentials');
    const written = await opsbook('import', fixture, '--out', out);
    const printed = await opsbook('import', fixture);
    const json = await opsbook('import', '--json', fixture);
    expect([written.code, printed.code, json.code]).toEqual([0, 0, 0]);
    const config = await readFile(path.join(out, 'ops.yaml'), 'utf8');
    for (const text of [config, written.stdout, written.stderr, printed.stdout, printed.stderr, json.stdout, json.stderr]) for (const s of secrets) expect(text).not.toContain(s);
    expect(config).toContain('url: ${TODO_LIBRARY_SERVICE_BASE_URL}/api/status?token=${LIBRARY_SERVICE_TOKEN}&api_key=${LIBRARY_SERVICE_API_KEY}');
    expect(written.stderr).toMatch(/credentials the runbooks write are \$\{NAME\} references, not copied; set them where opsbook runs: .*LIBRARY_SERVICE_REDIS_PASSWORD/);
    const credentials = (JSON.parse(json.stdout) as { credentials: { name: string }[] }).credentials.map((c) => c.name);
    expect(credentials).toContain('LIBRARY_SERVICE_DB_PASSWORD');
    const todos = (JSON.parse(json.stdout) as { todos: { name: string }[] }).todos.map((t) => t.name);
    const env: Record<string, string> = {};
    for (const name of todos) env[name] = /_REDIS_URL$/.test(name) ? 'redis://127.0.0.1:6379' : /_POSTGRES_URL$/.test(name) ? 'postgres://127.0.0.1:5432/postgres' : /_URL$/.test(name) ? 'https://library.test' : /_EMAIL$/.test(name) ? `${name.toLowerCase()}@example.test` : 'x';
    const unset = await runCli(['validate', path.join(out, 'ops.yaml')], { env });
    expect(unset.code).not.toBe(0);
    expect(unset.stdout + unset.stderr).toContain('LIBRARY_SERVICE_TOKEN');
    for (const name of credentials) env[name] = `secret-${name.toLowerCase()}`;
    const valid = await runCli(['validate', path.join(out, 'ops.yaml')], { env });
    expect(valid.stdout + valid.stderr).not.toMatch(/error/i);
    expect(valid.code).toBe(0);
  });

  it('exits 1 naming a file it cannot read', async () => {
    const r = await opsbook('import', 'no/such/runbook.md');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no/such/runbook.md: error: cannot read runbook: no such file (OPSBOOK_E_RUNBOOK_READ)');
  });

  it('--compare DIR prints the share of the example’s items found with correct numbers, per kind', async () => {
    const r = await opsbook('import', '--compare', 'examples/novapulse');
    expect(r.code).toBe(0);
    const m = /^novapulse: (\d+)\/(\d+) items found with correct numbers \((\d+)%\)$/m.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![1])).toBeLessThanOrEqual(Number(m![2]));
    expect(r.stdout).toMatch(/^ {2}checks: \d+\/\d+$/m);
    // `runbooks:` in its object form (files with phases) names the runbooks as the list form does.
    const example = path.join(dir, 'object-form');
    await mkdir(path.join(example, 'runbooks'), { recursive: true });
    await copyFile(path.join(repoRoot, 'examples/novapulse/runbooks/novapulse.md'), path.join(example, 'runbooks/novapulse.md'));
    await writeFile(path.join(example, 'ops.yaml'), 'runbooks:\n  files: [runbooks/novapulse.md]\n  phases: { steps: ["Test in Staging"] }\n');
    const objectForm = await opsbook('import', '--compare', example);
    expect(objectForm.stderr).toBe('');
    expect(objectForm.stdout).toMatch(/^object-form: \d+\/\d+ items found/m);
    const none = await opsbook('import', '--compare', 'no/such/example');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no/such/example/ops.yaml: error: cannot read the example config: no such file');
  });
});
