/**
 * The library app (seed 003) stand-in: `/health` and `/metrics/json` with the connection pool,
 * cache and database figures its morning health check reads with jq (`.connection_pool`,
 * `.cache`, `.database.avg_latency_ms`, replication lag).
 * Real figures: the connection pool is the app's own (20 connections to the world's PostgreSQL, 11
 * held by its steady traffic: 55 %); `/_gameday/pool` makes requests hang holding the rest. The
 * cache hit rate is over the app's last 50 real lookups in the world's Redis (a failed lookup is a
 * miss; a miss fills the key). The replication lag is PostgreSQL's own replay_lag on the primary
 * (pg_stat_replication; 0 without a replica). Fault switch: `slow_queries` (150 ms > 100 ms).
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { startAppPool } from '../support/app-pool.js';
import { runAsProcess, startStandin, type Faults, type Standin } from '../support/standin.js';

const CACHE_KEYS = 10;
const CACHE_WINDOW = 50;

export async function startLibrary(env: NodeJS.ProcessEnv = process.env): Promise<Standin> {
  const db = new pg.Pool({ connectionString: env.STANDIN_PG_URL, max: 2 });
  // An idle connection the server drops is replaced on next use; the next query reports real trouble.
  db.on('error', () => {});
  const STEADY = 11;
  const appPool = await startAppPool(env.STANDIN_PG_URL ?? '', { size: 20, inFlight: STEADY, name: 'library-gunicorn' });
  // Reconnects every 100 ms: the game day's clock is compressed, so ioredis' default back-off (up to 2 s
  // of real time) would leave the app without Redis for simulated minutes after Redis is back.
  const redis = new Redis(env.STANDIN_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  // Once connected, a lookup while Redis is down fails at once (a miss, as the app's cache client
  // fails open) instead of waiting in ioredis' offline queue.
  redis.once('ready', () => {
    redis.options.enableOfflineQueue = false;
  });
  redis.on('error', () => {});
  const lookups: boolean[] = [];
  const key = (i: number): string => `library:cache:story:${i}`;
  for (let i = 0; i < CACHE_KEYS; i++) await redis.set(key(i), `story ${i}`);
  const lookUp = async (): Promise<void> => {
    for (let i = 0; i < CACHE_KEYS; i++) {
      const hit = await redis.get(key(i)).then((v) => v !== null, () => false);
      if (!hit) await redis.set(key(i), `story ${i}`).catch(() => {});
      lookups.push(hit);
    }
    lookups.splice(0, Math.max(0, lookups.length - CACHE_WINDOW));
  };
  const faults: Faults = { slow_queries: false, pool_low: false, replica_out: false };
  return startStandin({
    name: 'library',
    port: Number(env.STANDIN_PORT ?? 0),
    faults,
    // pool_low: requests served by fewer workers than expected — the steady traffic holds 5 of the
    // pool's 20 real connections (25 %, under the morning check's 40 %), the others idle in the pool.
    onFaults: async (f) => appPool.setTraffic(f.pool_low ? 5 : STEADY),
    onClose: async () => {
      redis.disconnect();
      await appPool.close();
      await db.end();
    },
    routes: {
      '/health': async () => {
        await db.query('SELECT 1');
        return { json: { status: 'healthy' } };
      },
      '/_gameday/pool': appPool.route,
      '/metrics/json': async () => {
        await lookUp();
        const lag = await db.query<{ lag: number }>('SELECT coalesce(max(extract(epoch FROM replay_lag)), 0)::float AS lag FROM pg_stat_replication');
        const hits = lookups.filter(Boolean).length;
        return {
          json: {
            connection_pool: { utilization: Math.round((appPool.used() / appPool.size) * 100) / 100, active: appPool.used(), max: appPool.size },
            cache: { hit_rate: lookups.length === 0 ? 1 : Math.round((hits / lookups.length) * 100) / 100, keys: CACHE_KEYS },
            database: { avg_latency_ms: faults.slow_queries ? 150 : 18, replication_lag_seconds: Math.round(lag.rows[0]!.lag * 10) / 10 },
            load_balancer: { replicas: 3, healthy: faults.replica_out ? 2 : 3 },
          },
        };
      },
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsProcess(() => startLibrary());
