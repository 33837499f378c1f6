/**
 * Emergency failover on a real private cluster: the primary stopped as a crash stops it, the
 * replica promoted for real through the world's `pg_ctl` (as `sudo -u postgres pg_ctl promote -D …`
 * reaches it), the primary's address then reaching the promoted server with the data written
 * before the crash; the mend leaves a primary and a streaming replica behind the same addresses.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { runConfig } from '../../../src/checks/testing/index.js';
import { startPrivatePostgres, type PrivatePostgres } from '../../../src/gameday/faults/postgres-cluster.js';
import { runWorldTool, type ToolWorld } from '../../../src/gameday/tools/index.js';
import { postgresServerInstalled } from './available.js';
import { scaled } from '../../support/timing.js';

const installed = postgresServerInstalled();

async function query(url: string, sql: string): Promise<string> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  c.on('error', () => {});
  await c.connect();
  try {
    const r = await c.query({ text: sql, rowMode: 'array' });
    return (r.rows as unknown[][]).map((row) => row.join('|')).join('\n');
  } finally {
    await c.end().catch(() => {});
  }
}

/** Waits (generous bound) until the replica has replayed the row the primary wrote. */
async function replayed(replicaUrl: string, id: number): Promise<boolean> {
  for (let i = 0; i < 600; i++) {
    // Until the replica has replayed the CREATE TABLE, the table is not there yet (42P01): not yet.
    const count = await query(replicaUrl, `select count(*) from marks where id = ${id}`).catch((e: { code?: string }) => {
      if (e.code === '42P01') return '0';
      throw e;
    });
    if (count === '1') return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

const world = (cluster: PrivatePostgres): ToolWorld => ({
  system: 'library',
  restartRedis: async () => {},
  restartApp: async () => {},
  appLogs: () => [],
  restartStandInPeer: async () => [],
  promoteReplica: () => cluster.failover!.promote(),
});

describe.skipIf(!installed)('primary failover on a private cluster', () => {
  let cluster: PrivatePostgres | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('the primary down refuses connections; pg_ctl promote through sudo makes the replica the primary at the same address; the mend streams to a new standby', async () => {
    cluster = await startPrivatePostgres({ maxConnections: 20, replica: true, failover: true });
    const primary = cluster.url();
    const replica = cluster.replica!.url();
    await query(primary, 'create table marks (id int primary key)');
    await query(primary, 'insert into marks values (1)');
    expect(await replayed(replica, 1)).toBe(true);
    // Promoting while the primary runs would leave two primaries: refused.
    const early = await runWorldTool('pg_ctl', ['promote', '-D', '/var/lib/postgresql/14/main'], world(cluster));
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/two primaries/);

    await cluster.failover!.stopPrimary();
    const down = await runConfig({ kind: 'postgres', url: primary, timeout: '5s' });
    expect(down.status).toBe('down');
    expect(down.error).toMatch(/ECONNREFUSED/);
    expect(await query(replica, 'select pg_is_in_recovery()')).toBe('true');

    const promoted = await runWorldTool('sudo', ['-u', 'postgres', 'pg_ctl', 'promote', '-D', '/var/lib/postgresql/14/main'], world(cluster));
    expect(promoted.stderr).toBe('');
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toMatch(/server promoted/);
    expect(cluster.failover!.state()).toBe('promoted');
    // The primary's address now reaches the promoted server: writable, with what was written before the crash.
    expect(await query(primary, 'select pg_is_in_recovery()')).toBe('false');
    expect(await query(primary, 'select id from marks')).toBe('1');
    await query(primary, 'insert into marks values (2)');
    const again = await runWorldTool('pg_ctl', ['promote'], world(cluster));
    expect(again.code).toBe(1);

    await cluster.failover!.restore();
    await cluster.failover!.restore();
    expect(cluster.failover!.state()).toBe('healthy');
    expect(await query(replica, 'select pg_is_in_recovery()')).toBe('true');
    await query(primary, 'insert into marks values (3)');
    expect(await replayed(replica, 3)).toBe(true);
    expect(await query(primary, "select count(*) from pg_stat_replication where state = 'streaming'")).toBe('1');
  }, scaled(180_000));

  it('mended without a promote, the old primary starts again and the replica streams from it', async () => {
    cluster = await startPrivatePostgres({ maxConnections: 20, replica: true, failover: true });
    await query(cluster.url(), 'create table marks (id int primary key)');
    await cluster.failover!.stopPrimary();
    expect((await runConfig({ kind: 'postgres', url: cluster.url(), timeout: '5s' })).status).toBe('down');
    await cluster.failover!.restore();
    expect((await runConfig({ kind: 'postgres', url: cluster.url() })).status).toBe('up');
    await query(cluster.url(), 'insert into marks values (7)');
    expect(await replayed(cluster.replica!.url(), 7)).toBe(true);
  }, scaled(180_000));

  it('pg_ctl in a world without a failover pair, and verbs other than promote, are refused', async () => {
    const w: ToolWorld = { system: 'library', restartRedis: async () => {}, restartApp: async () => {}, appLogs: () => [], restartStandInPeer: async () => [] };
    expect((await runWorldTool('pg_ctl', ['promote'], w)).stderr).toMatch(/no replica to promote/);
    expect((await runWorldTool('pg_ctl', ['stop', '-m', 'immediate'], w)).stderr).toMatch(/not modelled/);
  });
});
