/** mysql kind against the machine's real MariaDB; outages through a loopback proxy in front of it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MYSQL_URL, mysqlUp } from '../../../../test/support/brokers.js';
import { configLoader } from '../../../../test/support/config.js';
import { startTcpProxy, type TcpProxy } from '../../../../test/support/tcp-proxy.js';
import { runConfig } from '../../testing/index.js';
import { scaled } from '../../../../test/support/timing.js';

const available = await mysqlUp();
const load = configLoader('opsbook-mysql-kind');

describe.skipIf(!available)('mysql kind against MariaDB', () => {
  let proxy: TcpProxy;
  const target = new URL(MYSQL_URL);
  const viaProxy = (): string => `mysql://root@${proxy.address}/test`;
  beforeAll(async () => {
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 3306) });
  });
  afterAll(() => proxy.close());

  it('is up when it connects and runs SELECT 1, and reads version and connections', async () => {
    const r = await runConfig({
      kind: 'mysql',
      url: MYSQL_URL,
      conditions: ['[CONNECTED] == true', '[VERSION] == pat(*MariaDB*)', '[CONNECTIONS] >= 1', '[MAX_CONNECTIONS] > [CONNECTIONS]', '[VALUE] == 1'],
    });
    expect(r.conditions.filter((c) => !c.ok)).toEqual([]);
    expect(r).toMatchObject({ status: 'up', level: 'ok', value: 1 });
  });

  it('reads SHOW GLOBAL STATUS fields and raises warning/critical levels from them', async () => {
    const r = await runConfig({
      kind: 'mysql',
      url: MYSQL_URL,
      status: true,
      conditions: ['[STATUS].Threads_running >= 1', '[STATUS].Uptime > 0'],
      warning: '[STATUS].Threads_connected >= 1',
      critical: '[STATUS].Threads_connected > 100000',
    });
    expect(r).toMatchObject({ status: 'up', level: 'warning' });
  });

  it('fails a condition on a wrong answer and shows the observed value', async () => {
    const r = await runConfig({ kind: 'mysql', url: MYSQL_URL, query: 'SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = "opsbook_absent"', conditions: ['[VALUE] == 1'] });
    expect(r.status).toBe('down');
    expect(r.conditions[0]).toMatchObject({ ok: false, actual: '0' });
    expect(r.value).toBe(0);
  });

  it('runs the query read-only, DDL included (which commits implicitly)', async () => {
    const table = `opsbook_probe_${process.pid}`;
    const r = await runConfig({ kind: 'mysql', url: MYSQL_URL, query: `CREATE TABLE ${table} (x INT)` });
    expect(r.status).toBe('down');
    expect(r.error).toMatch(/READ ONLY/i);
    const exists = await runConfig({ kind: 'mysql', url: MYSQL_URL, query: `SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_NAME = '${table}'`, conditions: ['[VALUE] == 0'] });
    expect(exists.status).toBe('up');
  });

  it('stops a slow query at the check timeout, on the server too', async () => {
    const marker = `opsbook_slow_${process.pid}`;
    const r = await runConfig({ kind: 'mysql', url: MYSQL_URL, query: `SELECT SLEEP(30) AS ${marker}`, timeout: '400ms' });
    expect(r.status).toBe('down');
    expect(r.error).toMatch(/timeout after 400ms|max_statement_time/);
    const left = { kind: 'mysql', url: MYSQL_URL, query: `SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%SLEEP(30) AS ${marker}%' AND INFO NOT LIKE '%PROCESSLIST%'` };
    let running = 1;
    for (const end = Date.now() + scaled(10_000); running > 0 && Date.now() < end; ) {
      running = (await runConfig(left)).value ?? 1;
      if (running > 0) await new Promise((res) => setTimeout(res, 100));
    }
    expect(running).toBe(0);
  });

  it('times out when the server accepts but never greets', async () => {
    proxy.setMode('stall');
    const r = await runConfig({ kind: 'mysql', url: viaProxy(), timeout: '300ms' });
    proxy.setMode('forward');
    expect(r).toMatchObject({ status: 'down', error: 'timeout after 300ms' });
  });

  it('is down when the connection is closed after accept, and when nothing listens', async () => {
    proxy.setMode('close');
    const closed = await runConfig({ kind: 'mysql', url: viaProxy() });
    proxy.setMode('forward');
    expect(closed).toMatchObject({ status: 'down', conditions: [{ ok: false, actual: 'false' }] });
    expect(closed.error).toBeTruthy();
    const refused = await runConfig({ kind: 'mysql', url: 'mysql://root@127.0.0.1:1/test' });
    expect(refused.error).toMatch(/ECONNREFUSED/);
    const through = await runConfig({ kind: 'mysql', url: viaProxy() });
    expect(through.status).toBe('up');
  });

  it('reports a wrong password as down with the server’s words', async () => {
    const r = await runConfig({ kind: 'mysql', url: `mysql://opsbook_nobody:wrong@${target.host}/test` });
    expect(r.status).toBe('down');
    expect(r.error).toMatch(/Access denied/);
  });
});

describe('mysql kind options', () => {
  it('rejects a URL that is not mysql:// and an unknown placeholder, with their place', async () => {
    const r = await load('ops.yaml', `
checks:
  - { id: db, kind: mysql, url: "postgres://127.0.0.1/test" }
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const found = r.issues.map((i) => `${i.path} ${i.file ? 'ops.yaml' : ''}${i.line ? `:${i.line}` : ''} ${i.message}`);
    expect(found).toEqual([
      expect.stringMatching(/^checks\[0\]\.url ops\.yaml:3 url must be a mysql:\/\/ or mariadb:\/\/ URL/),
    ]);
    const r2 = await load('ops2.yaml', `
checks:
  - { id: db2, kind: mysql, url: "mysql://127.0.0.1/test", conditions: ["[LAG] < 5"] }
`);
    expect(r2.ok).toBe(false);
    if (r2.ok) return;
    expect(r2.issues[0]).toMatchObject({ path: 'checks[0].conditions[0]', code: 'OPSBOOK_E_CHECK_PLACEHOLDER' });
  });
});
