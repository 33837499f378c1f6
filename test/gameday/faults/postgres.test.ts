/**
 * The PostgreSQL faults on a real private cluster: replication lag from a replica whose replay is
 * paused while the primary writes, and connections held until max_connections is exhausted. Each
 * is put in, seen by the postgres check kind, mended, and seen mended.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConfig } from '../../../src/checks/testing/index.js';
import { connectionHold, HOLDER_ROLE } from '../../../src/gameday/faults/connections.js';
import { startPrivatePostgres, type PrivatePostgres } from '../../../src/gameday/faults/postgres-cluster.js';
import { replicationLag, type ReplicationLag } from '../../../src/gameday/faults/replication-lag.js';
import { createScratchDatabase } from '../../../src/store/index.js';
import { postgresServerInstalled } from './available.js';
import { scaled } from '../../support/timing.js';

const installed = postgresServerInstalled();

// The library system's own probe of the primary (examples/library/ops.yaml, library-replication-lag-primary).
const PRIMARY_LAG = 'select coalesce(max(extract(epoch from replay_lag)), 0)::float from pg_stat_replication';
// The seeds' replica-side measure (pg_last_xact_replay_timestamp).
const REPLICA_LAG = 'select coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 0)::float';
// django-finance's connections rule (examples/django-finance/ops.yaml, django-finance-db-connections).
const CONNECTIONS = "select count(*)::float / current_setting('max_connections')::float from pg_stat_activity where datname = current_database()";

describe.skipIf(!installed)('private PostgreSQL faults', () => {
  let cluster: PrivatePostgres;
  let dbUrl: string;
  let lag: ReplicationLag;
  beforeAll(async () => {
    cluster = await startPrivatePostgres({ maxConnections: 30, replica: true });
    dbUrl = (await createScratchDatabase(cluster.url(), 'opsbook_gameday_faults')).url;
    lag = replicationLag(cluster.url(), cluster.replica!.url());
  }, scaled(120_000));
  afterAll(async () => {
    await lag?.close();
    await cluster?.close();
  });

  it('the replica streams from the primary and is in recovery', async () => {
    const r = await runConfig({ kind: 'postgres', url: cluster.replica!.url(), query: 'select pg_is_in_recovery()', conditions: ['[VALUE] == true'] });
    expect(r.status, JSON.stringify(r)).toBe('up');
  });

  it('replication lag: paused replay grows real lag the probes see on both sides; resume mends it', async () => {
    const primaryProbe = { kind: 'postgres', url: cluster.url(), query: PRIMARY_LAG, conditions: ['[VALUE] < 2'] };
    const replicaProbe = { kind: 'postgres', url: cluster.replica!.url(), query: REPLICA_LAG, conditions: ['[VALUE] < 2'] };
    expect((await runConfig(primaryProbe)).status).toBe('up');
    await lag.on(3000);
    await lag.on(3000); // idempotent: still one pause, one writer
    const lagging = await runConfig(primaryProbe);
    expect(lagging.status).toBe('down');
    expect(lagging.value).toBeGreaterThanOrEqual(3);
    expect((await runConfig(replicaProbe)).value).toBeGreaterThanOrEqual(3);
    await lag.off();
    await lag.off();
    expect((await runConfig(primaryProbe)).status).toBe('up');
    // Replay is running again: a write on the primary reaches the replica.
    const p = new pg.Client({ connectionString: cluster.url() });
    await p.connect();
    const { rows } = await p.query<{ n: string }>('select count(*) as n from opsbook_gameday_writes');
    await p.end();
    const r = new pg.Client({ connectionString: cluster.replica!.url() });
    await r.connect();
    const replayed = await r.query<{ n: string }>('select count(*) as n from opsbook_gameday_writes');
    await r.end();
    expect(Number(replayed.rows[0]!.n)).toBe(Number(rows[0]!.n));
  }, scaled(120_000));

  it('connections: held past 80 % of max_connections the rule sees it; all held, ordinary logins are refused; release mends', async () => {
    const hold = connectionHold(dbUrl);
    const probe = { kind: 'postgres', url: dbUrl, query: CONNECTIONS, conditions: ['[VALUE] <= 80%'] };
    expect((await runConfig(probe)).status).toBe('up');
    await hold.hold(0.85);
    const busy = await runConfig(probe);
    expect(busy.status).toBe('down');
    expect(busy.value).toBeGreaterThan(0.8);
    await hold.hold('all');
    // The application's own login (not a superuser) is refused; the superuser probe still reads the figure.
    const app = new URL(dbUrl);
    app.username = HOLDER_ROLE;
    const refused = await runConfig({ kind: 'postgres', url: app.toString() });
    expect(refused.status).toBe('down');
    expect(refused.error).toMatch(/connection slots|too many clients/);
    // Every ordinary slot (max_connections less superuser_reserved_connections) but those a closing probe still holds.
    expect(hold.held()).toBeGreaterThanOrEqual(30 - 3 - 2);
    await hold.release();
    expect((await runConfig(probe)).status).toBe('up');
    expect((await runConfig({ kind: 'postgres', url: app.toString() })).status).toBe('up');
  }, scaled(120_000));

  it('close stops both servers and removes their data', async () => {
    const other = await startPrivatePostgres({ maxConnections: 8, replica: false });
    expect((await runConfig({ kind: 'postgres', url: other.url() })).status).toBe('up');
    await other.close();
    await other.close();
    expect((await runConfig({ kind: 'postgres', url: other.url(), timeout: '2s' })).status).toBe('down');
  }, scaled(120_000));
});
