import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatIssue, loadConfig, registerConfigValidators, type ConfigIssue, type ConfigLoadResult } from './index.js';
import { configDir } from './test-support.js';
import { oncallReferencesValidator } from '../oncall/config-validator.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function load(files: Record<string, string>, target = '', env: Record<string, string> = {}): Promise<{ result: ConfigLoadResult; dir: string }> {
  const { dir, cleanup } = await configDir(files);
  cleanups.push(cleanup);
  return { result: await loadConfig(join(dir, target), { env }), dir };
}

function issuesOf(result: ConfigLoadResult): ConfigIssue[] {
  if (result.ok) throw new Error('expected the config to be rejected');
  return result.issues;
}

describe('loadConfig', () => {
  it('accepts an empty file and fills every default', async () => {
    const { result, dir } = await load({ 'ops.yaml': '' }, 'ops.yaml');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.baseDir).toBe(dir);
    expect(result.config.server).toEqual({
      port: 4100,
      host: '127.0.0.1',
      public_url: 'http://127.0.0.1:4100',
      shutdown_timeout: 10_000,
      log_level: 'info',
      ingest_queue: 2000,
    });
    expect(result.config.storage).toEqual({ data_dir: '.opsbook', checkpoint_every: 300_000, full_retry: 10_000, cluster: { lease: 10_000, partitions: 32 }, retention: { check_results: 7 * 86_400_000, check_rollups: 400 * 86_400_000, deliveries: 90 * 86_400_000, transcripts: 400 * 86_400_000, every: 3_600_000 } });
    expect(result.config.services).toEqual([]);
    expect(result.config.procedures).toEqual({});
  });

  it('fills nested defaults and keeps an explicit public_url', async () => {
    const { result } = await load(
      {
        'ops.yaml': [
          'server:',
          '  port: 8080',
          '  public_url: https://ops.example.com/',
          'users:',
          '  - name: ana',
          'services:',
          '  - id: api',
          '    shell: {allow: [psql]}',
        ].join('\n'),
      },
      'ops.yaml',
    );
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    expect(result.config.server.public_url).toBe('https://ops.example.com');
    expect(result.config.users[0]).toEqual({ name: 'ana', role: 'viewer', contact: [] });
    expect(result.config.services[0]).toMatchObject({ id: 'api', labels: {}, aliases: [], shell: { env: {}, allow: ['psql'] } });
  });

  it('reads runbooks: as a list of files or as files, phases and url_prefixes, merged across files', async () => {
    const { result } = await load({
      '10-a.yaml': 'runbooks: [runbooks/api.md]\n',
      '20-b.yaml': 'runbooks:\n  files: [runbooks/web.md]\n  phases: {diagnosis: [Checks to run], notes: [War stories]}\n  url_prefixes: [https://runbooks.example.org/runbooks/]\n',
      '30-c.yaml': 'runbooks:\n  phases: {diagnosis: [What we look at]}\n',
    });
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    expect(result.config.runbooks).toEqual({
      files: ['runbooks/api.md', 'runbooks/web.md'],
      phases: { diagnosis: ['Checks to run', 'What we look at'], notes: ['War stories'] },
      url_prefixes: ['https://runbooks.example.org/runbooks/'],
    });
  });

  it('reports a runbooks phase that does not exist with its path', async () => {
    const { result } = await load({ 'ops.yaml': 'runbooks:\n  phases: {diagnosys: [x]}\n' }, 'ops.yaml');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path).join(' ')).toContain('runbooks.phases');
  });

  it('derives public_url from host and port', async () => {
    const { result } = await load({ 'ops.yaml': 'server: {host: 0.0.0.0, port: 9000}' }, 'ops.yaml');
    expect(result.ok && result.config.server.public_url).toBe('http://0.0.0.0:9000');
  });

  it('merges a directory in name order: lists concatenate, paths and lines follow the files', async () => {
    const { result, dir } = await load({
      '20-more.yaml': 'services:\n  - id: web\nrunbooks: [runbooks/web.md]\n',
      '10-base.yaml': 'server:\n  port: 4200\nservices:\n  - id: api\n  - id: db\nrunbooks: [runbooks/api.md]\n',
      'notes.txt': 'not config',
    });
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    expect(result.files).toEqual([join(dir, '10-base.yaml'), join(dir, '20-more.yaml')]);
    expect(result.config.services.map((s) => s.id)).toEqual(['api', 'db', 'web']);
    expect(result.config.runbooks.files).toEqual(['runbooks/api.md', 'runbooks/web.md']);
    expect(result.config.server.port).toBe(4200);
    expect(result.locate('services[2].id')).toEqual({ file: join(dir, '20-more.yaml'), line: 2 });
    expect(result.locate('services[1]')).toEqual({ file: join(dir, '10-base.yaml'), line: 5 });
  });

  it('leaves out the other documents opsbook reads from a config directory (gameday.yaml)', async () => {
    const { result, dir } = await load({
      'ops.yaml': 'services:\n  - id: api\n',
      'gameday.yaml': 'system: api\nseed: "000"\nscenarios: []\n',
    });
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    expect(result.files).toEqual([join(dir, 'ops.yaml')]);
    expect(result.config.services.map((s) => s.id)).toEqual(['api']);
  });

  it('names both places when the same id is defined in two files', async () => {
    const { result, dir } = await load({
      'a.yaml': 'services:\n  - id: api\n  - id: db\n',
      'b.yaml': '# more\nservices:\n  - id: web\n  - id: api\n',
    });
    const issues = issuesOf(result);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'OPSBOOK_E_CONFIG_DUPLICATE_ID', path: 'services[3].id', file: join(dir, 'b.yaml'), line: 4 });
    expect(issues[0]!.message).toContain(`${join(dir, 'a.yaml')}:2`);
    expect(issues[0]!.message).toContain(`${join(dir, 'b.yaml')}:4`);
  });

  it('rejects a singleton section set in two files, naming both', async () => {
    const { result, dir } = await load({ 'a.yaml': 'server:\n  port: 1\n', 'b.yaml': '\nserver:\n  port: 2\n' });
    const issues = issuesOf(result);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'OPSBOOK_E_CONFIG_DUPLICATE_SECTION', path: 'server', line: 2 });
    expect(issues[0]!.message).toContain(`${join(dir, 'a.yaml')}:1`);
  });

  it('merges procedures key by key and rejects a key set twice', async () => {
    const { result } = await load({
      'a.yaml': 'procedures:\n  "runbooks/db.md#restore": {cron: "0 3 * * *"}\n',
      'b.yaml': 'procedures:\n  "runbooks/db.md#failover": {}\n  "runbooks/db.md#restore": {}\n',
    });
    const issues = issuesOf(result);
    expect(issues.map((i) => [i.code, i.path, i.line])).toEqual([
      ['OPSBOOK_E_CONFIG_DUPLICATE_ID', 'procedures["runbooks/db.md#restore"]', 3],
    ]);
  });

  it('locates an unknown key on its own line and suggests the near key', async () => {
    const { result } = await load(
      { 'ops.yaml': 'server:\n  port: 4100\n\n  hots: 0.0.0.0\nservices:\n  - id: api\n    bsae_url: https://x.example\n' },
      'ops.yaml',
    );
    const issues = issuesOf(result);
    expect(issues.map((i) => [i.code, i.path, i.line])).toEqual([
      ['OPSBOOK_E_CONFIG_UNKNOWN_KEY', 'server.hots', 4],
      ['OPSBOOK_E_CONFIG_UNKNOWN_KEY', 'services[0].bsae_url', 7],
    ]);
    expect(issues[0]!.message).toBe('unknown key "hots" (did you mean "host"?)');
  });

  it('reports a config with three mistakes as exactly three located issues', async () => {
    const { result } = await load(
      {
        'ops.yaml': [
          'server:', //                   1
          '  port: 4100', //              2
          '  shutdown_timeout: 5x', //    3  bad duration
          'storage:', //                  4
          '  url: ${DATABASE_URL}', //    5  missing env var
          'services:', //                 6
          '  - id: api', //               7
          '    base_urll: https://a.example', // 8  unknown key
        ].join('\n'),
      },
      'ops.yaml',
    );
    const issues = issuesOf(result);
    expect(issues.map((i) => [i.code, i.path, i.line])).toEqual([
      ['OPSBOOK_E_CONFIG_DURATION', 'server.shutdown_timeout', 3],
      ['OPSBOOK_E_CONFIG_ENV_MISSING', 'storage.url', 5],
      ['OPSBOOK_E_CONFIG_UNKNOWN_KEY', 'services[0].base_urll', 8],
    ]);
    expect(issues[1]!.message).toContain('DATABASE_URL');
    expect(formatIssue(issues[0]!)).toMatch(/^✖ shutdown_timeout must be a duration .* → server\.shutdown_timeout \(.*ops\.yaml:3\)$/);
  });

  it('reports out-of-range durations with the bound', async () => {
    const { result } = await load({ 'ops.yaml': 'server:\n  shutdown_timeout: 1h\n' }, 'ops.yaml');
    const [issue] = issuesOf(result);
    expect(issue).toMatchObject({ code: 'OPSBOOK_E_CONFIG_DURATION', message: 'shutdown_timeout must be at most 10m (got 1h)', line: 2 });
  });

  it('reports YAML syntax errors with their line and still checks the other files', async () => {
    const { result, dir } = await load({ 'a.yaml': 'server:\n  port: [1,\n', 'b.yaml': 'services:\n  - id: Bad Id\n' });
    const issues = issuesOf(result);
    expect(issues.map((i) => [i.code, i.file])).toEqual([
      ['OPSBOOK_E_CONFIG_YAML', join(dir, 'a.yaml')],
      ['OPSBOOK_E_CONFIG_INVALID', join(dir, 'b.yaml')],
    ]);
    expect(issues[1]).toMatchObject({ path: 'services[0].id', line: 2 });
  });

  it('says what to do with a second YAML document, at its line, not which parser function to call', async () => {
    const { result } = await load({ 'ops.yaml': 'server:\n  port: 4100\n---\nservices:\n  - id: api\n' }, 'ops.yaml');
    expect(issuesOf(result).map((i) => [i.code, i.line, i.message])).toEqual([
      ['OPSBOOK_E_CONFIG_YAML', 3, 'not valid YAML: a second YAML document starts here (after ---); a file holds one: remove the --- or move what follows to a file of its own'],
    ]);
  });

  it('says what each allowed form wants of a value that matches none (a word or a duration)', async () => {
    const { result } = await load({ 'ops.yaml': 'checks:\n  - { id: a, kind: tcp, host: 127.0.0.1, port: 1 }\nslos:\n  - { id: s, kind: availability, checks: [a], objective: 99%, window: 7 }\n' }, 'ops.yaml');
    expect(issuesOf(result).map((i) => [i.path, i.line, i.message])).toEqual([
      ['slos[0].window', 4, 'window must be one of month, week (got 7), or must be a duration such as 30s, 5m or 1h30m (got "7")'],
    ]);
  });

  it('refuses a mail sender, recipient or email contact that is not an address, at its line', async () => {
    const { result } = await load(
      {
        'ops.yaml': [
          'users:',
          '  - { name: ana, contact: [{ kind: email, address: ana }, { kind: email, address: "Ana <ana@example.com>" }] }',
          'channels:',
          '  - id: mail',
          '    kind: email',
          '    smtp: { host: 127.0.0.1 }',
          '    from: opsbook',
          '    to: [oncall@example.com, "Ops <ops@example.com>", oncall]',
          '',
        ].join('\n'),
      },
      'ops.yaml',
    );
    expect(issuesOf(result).map((i) => [i.path, i.line, i.message])).toEqual([
      ['users[0].contact[0].address', 2, 'address must be an email address for an email contact (got "ana")'],
      ['channels[0].from', 7, 'from must be an email address, alone or as "Name <address>" (got "opsbook")'],
      ['channels[0].to[2]', 8, 'to[2] must be an email address, alone or as "Name <address>" (got "oncall")'],
    ]);
  });

  it('reports a missing file or an empty directory as a read error', async () => {
    const missing = await loadConfig('/nonexistent/opsbook/ops.yaml');
    expect(issuesOf(missing)[0]).toMatchObject({ code: 'OPSBOOK_E_CONFIG_READ' });
    const { result } = await load({ 'README.md': '# no yaml here' });
    expect(issuesOf(result)[0]).toMatchObject({ code: 'OPSBOOK_E_CONFIG_READ' });
  });

  it('reports a check naming an unknown service as a located reference error', async () => {
    const { result } = await load(
      { 'ops.yaml': 'services:\n  - id: api\nchecks:\n  - id: api-up\n    kind: http\n    url: http://127.0.0.1:4100/\n    service: apii\n' },
      'ops.yaml',
    );
    const issues = issuesOf(result).filter((i) => i.code === 'OPSBOOK_E_CONFIG_REFERENCE');
    expect(issues.map((i) => [i.path, i.line])).toEqual([['checks[0].service', 7]]);
    expect(issues[0]!.message).toBe('service "apii" is not defined in services (did you mean "api"?)');
  });

  it('rejects one alias claimed by two services', async () => {
    const { result } = await load(
      { 'ops.yaml': 'services:\n  - id: api\n    aliases: [api.example.com]\n  - id: web\n    aliases: [www.example.com, API.example.com]\n' },
      'ops.yaml',
    );
    expect(issuesOf(result).map((i) => [i.code, i.path, i.line])).toEqual([['OPSBOOK_E_CONFIG_DUPLICATE_ID', 'services[1].aliases[1]', 5]]);
  });
});

describe('loadConfig semantic validators', () => {
  it('runs the validators the domains registered: an escalation step naming an unknown user is located', async () => {
    registerConfigValidators(oncallReferencesValidator);
    const { result } = await load(
      {
        'ops.yaml': [
          'users:',
          '  - name: ana',
          'escalation_policies:',
          '  - id: default',
          '    steps:',
          '      - targets: [{user: bob}]',
          '        timeout: 5m',
        ].join('\n'),
      },
      'ops.yaml',
    );
    const issues = issuesOf(result);
    expect(issues.map((i) => [i.code, i.line])).toEqual([['OPSBOOK_E_CONFIG_REFERENCE', 6]]);
    expect(issues[0]!.message).toContain('bob');
  });

  it('runs validators passed by the caller, located like the rest', async () => {
    const { dir, cleanup } = await configDir({ 'ops.yaml': 'services:\n  - id: api\n  - id: web\n' });
    cleanups.push(cleanup);
    const result = await loadConfig(join(dir, 'ops.yaml'), {
      env: {},
      validators: [(c) => c.services.filter((s) => !s.description).map((s, i) => ({ code: 'OPSBOOK_E_CONFIG_INVALID' as const, message: `service ${s.id} needs a description`, path: `services[${i}]` }))],
    });
    expect(issuesOf(result).map((i) => [i.path, i.line])).toEqual([['services[0]', 2], ['services[1]', 3]]);
  });
});
