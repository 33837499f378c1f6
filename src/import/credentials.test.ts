import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { withoutCredentials } from './credentials.js';
import { emit, propose, type Proposal } from './index.js';
import { fillTodos } from './test-support.js';

const root = path.resolve(import.meta.dirname, '../..');
const fixture = 'test/fixtures/import/library-credentials.md';

/** Every credential the fixture writes: curl -u, a URL's password, query tokens, headers, PGPASSWORD, a connection string, mysql -p, redis-cli -a. */
const WRITTEN_CREDENTIALS = ['S3cretAdm1n', 'tok_9f8e7d6c5b4a', 'ak_live_51HxQ2', 'Hunter2Pass', 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0', 'xk_5up3rs3cret', 'PgPa55word', 'Db4ppPass', 'MyS3cretPw', 'R3disPassw0rd'];

describe('import: credentials a runbook writes are never copied into the proposal', () => {
  let dir: string;
  let proposal: Proposal;
  let config: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'opsbook-import-credentials-'));
    proposal = propose([{ text: await readFile(path.join(root, fixture), 'utf8'), ref: 'library-credentials.md' }]);
    config = emit(proposal).config;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('the emitted YAML and the --json proposal hold no credential value', () => {
    const json = JSON.stringify(proposal);
    for (const secret of WRITTEN_CREDENTIALS) {
      expect(config, secret).not.toContain(secret);
      expect(json, secret).not.toContain(secret);
    }
  });

  it('writes ${NAME} references named for the service and what they hold, and lists them at the top', () => {
    const names = proposal.credentials.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['LIBRARY_SERVICE_TOKEN', 'LIBRARY_SERVICE_API_KEY', 'LIBRARY_SERVICE_OPSUSER_PASSWORD', 'LIBRARY_SERVICE_SEARCH_TOKEN', 'LIBRARY_SERVICE_X_API_KEY', 'LIBRARY_SERVICE_DB_PASSWORD', 'LIBRARY_SERVICE_REDIS_PASSWORD']));
    for (const name of names) expect(name).toMatch(/^LIBRARY_SERVICE_[A-Z0-9_]+$/);
    // The check keeps the query credential, as a variable the loader expands.
    const status = proposal.items.find((i) => i.id === 'library-service-api-status');
    expect(status?.body.url).toBe('${TODO_LIBRARY_SERVICE_BASE_URL}/api/status?token=${LIBRARY_SERVICE_TOKEN}&api_key=${LIBRARY_SERVICE_API_KEY}');
    // The headers its curl sends with credentials, the check sends too.
    expect(proposal.items.find((i) => i.id === 'library-service-search-cluster-health')?.body.headers).toEqual({ Authorization: 'Bearer ${LIBRARY_SERVICE_SEARCH_TOKEN}' });
    expect(proposal.items.find((i) => i.id === 'library-service-api-loans-overdue')?.body.headers).toEqual({ 'X-Api-Key': '${LIBRARY_SERVICE_X_API_KEY}' });
    // What the runbook runs stays readable, its credentials as references.
    expect(config).toContain('# the runbook runs: redis-cli -h cache.prod.example.net -a ${LIBRARY_SERVICE_REDIS_PASSWORD} ping');
    expect(config).toMatch(/# Credentials the runbooks write are not copied[^\n]*\n(#[^\n]*\n)*# {3}LIBRARY_SERVICE_TOKEN: /);
    for (const c of proposal.credentials) {
      expect(config).toContain(`#   ${c.name}: `);
      expect(c.hint).toMatch(/ in library-credentials\.md:\d+$/);
    }
  });

  it('validates once the TODO and credential variables are set, and names them when they are not', async () => {
    const file = path.join(dir, 'ops.yaml');
    await writeFile(file, config);
    const bare = await loadConfig(file, { env: {} });
    expect(bare.ok).toBe(false);
    if (!bare.ok) for (const issue of bare.issues) expect(issue.code, issue.message).toBe('OPSBOOK_E_CONFIG_ENV_MISSING');
    const filled = await loadConfig(file, { env: fillTodos(proposal) });
    expect(filled.ok ? [] : filled.issues.map((i) => `${i.path}: ${i.message}`)).toEqual([]);
  });

  it('names each kind for what it holds: curl -u by its user, PGPASSWORD as written, mysql -p and redis-cli -a by their store', () => {
    const commands = ['curl -s -u admin:S3cretAdm1n https://library.prod.example.net/readyz', 'PGPASSWORD=PgPa55word psql -h db -U library', 'mysql -h legacy-db -u report -pMyS3cretPw -e "select 1"', 'redis-cli -a R3disPassw0rd ping'];
    const bare: Proposal = { runbooks: [], prometheusRules: [], findings: [], todos: [], credentials: [], items: [{ section: 'checks', id: 'c', body: { kind: 'command', command: commands[2] }, sources: [{ file: 'lib.md', line: 3 }], notes: commands.map((c) => `the runbook runs: ${c}`) }] };
    const out = withoutCredentials(bare, [{ ref: 'lib.md', service: 'library', commands: commands.map((text, n) => ({ text, line: n + 1 })) }]);
    expect(out.items[0]!.notes).toEqual([
      'the runbook runs: curl -s -u admin:${LIBRARY_ADMIN_PASSWORD} https://library.prod.example.net/readyz',
      'the runbook runs: PGPASSWORD=${LIBRARY_PGPASSWORD} psql -h db -U library',
      'the runbook runs: mysql -h legacy-db -u report -p${LIBRARY_MYSQL_PASSWORD} -e "select 1"',
      'the runbook runs: redis-cli -a ${LIBRARY_REDIS_PASSWORD} ping',
    ]);
    expect(out.items[0]!.body.command).toBe('mysql -h legacy-db -u report -p${LIBRARY_MYSQL_PASSWORD} -e "select 1"');
    expect(out.credentials).toEqual([
      { name: 'LIBRARY_MYSQL_PASSWORD', hint: 'the credential the runbook writes in lib.md:3' },
      { name: 'LIBRARY_ADMIN_PASSWORD', hint: 'the credential the runbook writes in lib.md:1' },
      { name: 'LIBRARY_PGPASSWORD', hint: 'the credential the runbook writes in lib.md:2' },
      { name: 'LIBRARY_REDIS_PASSWORD', hint: 'the credential the runbook writes in lib.md:4' },
    ]);
  });

  it('leaves what a runbook writes in a credential\'s place: a variable, a placeholder', () => {
    const text = ['# Shop', '', '```bash', 'PGPASSWORD=$DB_PASSWORD psql -h db -c "select 1"', 'curl -u admin:<password> https://shop.example.net/health', 'curl -H "Authorization: Bearer $SHOP_TOKEN" https://shop.example.net/api/orders', '```', ''].join('\n');
    const proposal = propose([{ text, ref: 'shop.md' }]);
    expect(proposal.credentials).toEqual([]);
    expect(proposal.items.find((i) => i.id === 'shop-api-orders')?.body.headers).toBeUndefined();
    expect(proposal.items.flatMap((i) => i.notes)).toEqual(expect.arrayContaining(['the runbook runs: curl -u admin:<password> https://shop.example.net/health', 'the runbook runs: PGPASSWORD=$DB_PASSWORD psql -h db -c "select 1" (line 4)']));
  });

  it('a credential that is also a word (`redis-cli -a redis`) is replaced where a string writes it as one, not in the proposal\'s own words', () => {
    const text = ['# Shop', '', '```bash', 'redis-cli -h cache -a redis ping', '```', ''].join('\n');
    const proposal = propose([{ text, ref: 'shop.md' }]);
    const check = proposal.items.find((i) => i.id === 'shop-redis')!;
    expect(check.body).toMatchObject({ kind: 'redis', url: '${TODO_SHOP_REDIS_URL}' });
    expect(proposal.todos.find((t) => t.name === 'TODO_SHOP_REDIS_URL')?.hint).toMatch(/^redis:\/\//);
    expect(check.notes[0]).not.toMatch(/-a redis\b/);
    expect(proposal.credentials.map((c) => c.name)).toEqual(['SHOP_REDIS_PASSWORD']);
  });
});
