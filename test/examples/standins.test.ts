/**
 * The seed systems' stand-ins answer on their own endpoints, use the real PostgreSQL and Redis, and
 * move their figures when a fault is switched on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startNxentra } from '../../examples/nxentra/standin.js';
import { startNovapulse } from '../../examples/novapulse/standin.js';
import { startDjangoFinance } from '../../examples/django-finance/standin.js';
import { startLibrary } from '../../examples/library/standin.js';
import { startApex } from '../../examples/apex/standin.js';
import type { Standin } from '../../examples/support/standin.js';
import { FailingShare } from '../../examples/support/requests.js';
import { createTestDatabase, postgresUp } from '../support/services.js';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.js';
import { scaled } from '../support/timing.js';

const pgAvailable = await postgresUp();

describe.skipIf(!pgAvailable)('seed stand-ins', () => {
  let redis: PrivateRedis;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const running: Standin[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    db = await createTestDatabase('opsbook_standin');
    env = { STANDIN_PG_URL: db.url, STANDIN_REDIS_URL: redis.url };
  });
  afterAll(async () => {
    for (const s of running) await s.close();
    await redis.stop();
    await db.drop();
  });

  const fault = (s: Standin, change: Record<string, boolean>) =>
    fetch(`${s.url}/_gameday/faults`, { method: 'POST', body: JSON.stringify(change) }).then((r) => r.json());

  it('nxentra counts projection lag from its rows: a paused bookmark falls behind as events arrive, and catches up once resumed', async () => {
    const s = await startNxentra(env);
    running.push(s);
    expect((await fetch(`${s.url}/_health/ready`)).status).toBe(200);
    const lagNow = async (): Promise<number> => Number(/nxentra_projection_lag\{company_slug="acme-corp"\} (\d+)/.exec(await (await fetch(`${s.url}/_metrics/`)).text())?.[1]);
    expect(await lagNow()).toBe(0);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const until = async (want: (lag: number) => boolean): Promise<number> => {
      let lag = await lagNow();
      for (const end = Date.now() + scaled(10_000); !want(lag) && Date.now() < end; ) {
        await new Promise((r) => setTimeout(r, 50));
        lag = await lagNow();
      }
      return lag;
    };
    try {
      await client.query(`UPDATE events_eventbookmark SET is_paused = true WHERE consumer_name = 'dashboard'`);
      await client.query(`INSERT INTO events_businessevent (company_id, company_sequence, event_type, idempotency_key)
        SELECT 1, 5 + n, 'JournalEntryPosted', '1-' || (5 + n) FROM generate_series(1, 1500) n`);
      expect(await until((l) => l === 1500)).toBe(1500);
      await client.query(`UPDATE events_eventbookmark SET is_paused = false`);
      expect(await until((l) => l === 0)).toBe(0);
    } finally {
      await client.end();
    }
  });

  it('novapulse keeps its queues under the seed’s own Redis keys', async () => {
    const s = await startNovapulse(env);
    running.push(s);
    await fault(s, { email_backlog: true, failed_jobs: true });
    const client = new Redis(redis.url);
    try {
      expect(await client.llen('nova:email:waiting')).toBe(1200);
      expect(await client.llen('nova:email:failed')).toBe(600);
    } finally {
      client.disconnect();
    }
    const stats = (await (await fetch(`${s.url}/api/v1/queue/stats`)).json()) as Record<string, { waiting: number }>;
    expect(stats.email?.waiting).toBe(1200);
  });

  it('django-finance counts the responses it really sent: under its fault one request in ten to the users\' endpoint answers 500, logged', async () => {
    const s = await startDjangoFinance(env);
    running.push(s);
    const requestsTotal = async (): Promise<Record<string, number>> =>
      Object.fromEntries([...(await (await fetch(`${s.url}/metrics`)).text()).matchAll(/^http_requests_total\{status="(\d+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
    expect(await requestsTotal()).toEqual({ 200: 0, 500: 0 });
    await fault(s, { error_rate: true });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await fetch(`${s.url}/api/accounts/1/`)).status);
    expect(statuses.filter((c) => c === 500)).toHaveLength(2);
    // The health endpoint is not on the failing path; it is counted too.
    expect((await fetch(`${s.url}/health/`)).status).toBe(200);
    expect(await requestsTotal()).toEqual({ 200: 19, 500: 2 });
    await fault(s, { error_rate: false });
    for (let i = 0; i < 10; i++) expect((await fetch(`${s.url}/api/accounts/1/`)).status).toBe(200);
    expect(await requestsTotal()).toEqual({ 200: 29, 500: 2 });
  });

  it('a failing share fails ⌊n·share⌋ or ⌈n·share⌉ of any n consecutive requests', () => {
    for (const share of [0.1, 0.2, 0.08]) {
      const f = new FailingShare(share);
      const fails = Array.from({ length: 1000 }, () => (f.next() ? 1 : 0));
      for (const n of [10, 13, 50, 99]) {
        for (let start = 0; start + n <= fails.length; start += 7) {
          const k = fails.slice(start, start + n).reduce((a: number, b) => a + b, 0);
          expect(k).toBeGreaterThanOrEqual(Math.floor(n * share - 1e-9));
          expect(k).toBeLessThanOrEqual(Math.ceil(n * share + 1e-9));
        }
      }
    }
  });

  it('library reads its pool, cache and replication figures off real connections, lookups and pg_stat_replication', async () => {
    const s = await startLibrary(env);
    running.push(s);
    type Figures = { connection_pool: { utilization: number; active: number }; cache: { hit_rate: number }; database: { replication_lag_seconds: number } };
    const figures = async (): Promise<Figures> => (await (await fetch(`${s.url}/metrics/json`)).json()) as Figures;
    const healthy = await figures();
    expect(healthy.connection_pool.utilization).toBe(0.55);
    expect(healthy.cache.hit_rate).toBe(1);
    expect(healthy.database.replication_lag_seconds).toBe(0);
    // Requests hang holding the pool's free connections: real sessions in pg_sleep.
    const leak = (body: unknown) => fetch(`${s.url}/_gameday/pool`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json());
    expect(await leak({ leak: 'all' })).toMatchObject({ used: 20, hung: 9 });
    expect((await figures()).connection_pool.utilization).toBe(1);
    const probe = new (await import('pg')).default.Client({ connectionString: db.url });
    await probe.connect();
    try {
      const hung = await probe.query<{ n: string }>("select count(*) as n from pg_stat_activity where application_name = 'library-gunicorn' and query like 'SELECT pg_sleep%' and state = 'active'");
      expect(Number(hung.rows[0]!.n)).toBe(9);
      expect(await leak({ leak: 0 })).toMatchObject({ used: 11, hung: 0 });
    } finally {
      await probe.end();
    }
    // The lookups fail while Redis is down: misses, over the last 50 lookups.
    await redis.stop();
    for (let i = 0; i < 5; i++) await figures();
    expect((await figures()).cache.hit_rate).toBe(0);
    await redis.start();
  });

  it('apex exposes its pool gauge and refuses unknown faults', async () => {
    const s = await startApex(env);
    running.push(s);
    expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(/apex_pg_pool_used 9\n[^]*apex_pg_pool_size 30/);
    const r = await fetch(`${s.url}/_gameday/faults`, { method: 'POST', body: JSON.stringify({ meteor: true }) });
    expect(r.status).toBe(500);
    expect(((await r.json()) as { error: string }).error).toContain('unknown fault "meteor"');
  });

  it('apex fails one request in five to its users\' endpoint under a bad release, and counts what it sent', async () => {
    const s = await startApex(env);
    running.push(s);
    await fault(s, { error_rate: true });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await fetch(`${s.url}/api/projects`)).status);
    expect(statuses).toEqual([500, 200, 200, 200, 200, 500, 200, 200, 200, 200]);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    const text = await (await fetch(`${s.url}/metrics`)).text();
    expect(text).toMatch(/^http_requests_total\{status="200"\} 9$/m);
    expect(text).toMatch(/^http_requests_total\{status="500"\} 2$/m);
  });

  it('apex computes OpenSearch health from its node processes: one killed is red, started again is green', async () => {
    const s = await startApex({ ...env, STANDIN_MONITOR_PASSWORD: 'pw' });
    running.push(s);
    const health = async (): Promise<{ status: string; number_of_nodes: number; unassigned_shards: number; active_primary_shards: number }> =>
      (await (await fetch(`${s.url}/_cluster/health`, { headers: { authorization: `Basic ${Buffer.from('monitor:pw').toString('base64')}` } })).json()) as never;
    expect(await health()).toMatchObject({ status: 'green', number_of_nodes: 3, unassigned_shards: 0, active_primary_shards: 5 });
    await fault(s, { opensearch_node_down: true });
    // opensearch-1 held projects' shard 1 (no replica) and a copy of each signage-assets shard.
    expect(await health()).toMatchObject({ status: 'red', number_of_nodes: 2, unassigned_shards: 3, active_primary_shards: 4 });
    await fault(s, { opensearch_node_down: false });
    expect(await health()).toMatchObject({ status: 'green', number_of_nodes: 3, unassigned_shards: 0, active_primary_shards: 5 });
  });

  it('apex counts the worker pods whose processes are alive as available: one crashed is 1 of 2, started again 2', async () => {
    const s = await startApex(env);
    running.push(s);
    const available = async (): Promise<number> =>
      Number(/kube_deployment_status_replicas_available\{namespace="apex",deployment="apex-worker"\} (\d+)/.exec(await (await fetch(`${s.url}/kube-state-metrics/metrics`)).text())?.[1]);
    expect(await available()).toBe(2);
    await fault(s, { worker_pod_crashed: true });
    expect(await available()).toBe(1);
    await fault(s, { worker_pod_crashed: false });
    expect(await available()).toBe(2);
  });

  it('apex runs the API deployment\'s pods as processes: the HPA at its maximum runs 10, kubectl scale to 5 kills five', async () => {
    const s = await startApex(env);
    running.push(s);
    const replicas = async (): Promise<{ desired: number; available: number }> => {
      const text = await (await fetch(`${s.url}/kube-state-metrics/metrics`)).text();
      const of = (name: string): number => Number(new RegExp(`${name}\\{namespace="apex",deployment="apex-api"\\} (\\d+)`).exec(text)?.[1]);
      return { desired: of('kube_deployment_spec_replicas'), available: of('kube_deployment_status_replicas_available') };
    };
    expect(await replicas()).toEqual({ desired: 3, available: 3 });
    await fault(s, { api_hpa_max: true });
    expect(await replicas()).toEqual({ desired: 10, available: 10 });
    const scaled = await fetch(`${s.url}/_gameday/scale`, { method: 'POST', body: JSON.stringify({ deployment: 'apex-api', replicas: 5 }) });
    expect(await scaled.json()).toEqual({ deployment: 'apex-api', replicas: 5 });
    expect(await replicas()).toEqual({ desired: 5, available: 5 });
    const wrong = await fetch(`${s.url}/_gameday/scale`, { method: 'POST', body: JSON.stringify({ deployment: 'apex-worker', replicas: 5 }) });
    expect(wrong.status).toBe(400);
  });
});
