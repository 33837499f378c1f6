/**
 * The library app (seed 003) stand-in: `/health` and `/metrics/json` with the connection pool,
 * cache and database figures its morning health check reads with jq (`.connection_pool`,
 * `.cache`, `.database.avg_latency_ms`, replication lag).
 * Faults: `pool_exhausted` (utilisation 0.97 > 0.95), `replication_lag` (6 s > 5 s),
 * `cache_misses` (hit rate 0.5 < 0.7), `slow_queries` (150 ms > 100 ms).
 */
import pg from 'pg';
import { runAsProcess, startStandin, type Faults, type Standin } from '../support/standin.js';

export async function startLibrary(env: NodeJS.ProcessEnv = process.env): Promise<Standin> {
  const db = new pg.Pool({ connectionString: env.STANDIN_PG_URL, max: 2 });
  // An idle connection the server drops is replaced on next use; the next query reports real trouble.
  db.on('error', () => {});
  const faults: Faults = { pool_exhausted: false, pool_low: false, replication_lag: false, cache_misses: false, slow_queries: false, replica_out: false };
  return startStandin({
    name: 'library',
    port: Number(env.STANDIN_PORT ?? 0),
    faults,
    onClose: () => db.end(),
    routes: {
      '/health': async () => {
        await db.query('SELECT 1');
        return { json: { status: 'healthy' } };
      },
      '/metrics/json': () => ({
        json: {
          connection_pool: { utilization: faults.pool_exhausted ? 0.97 : faults.pool_low ? 0.25 : 0.55, active: faults.pool_exhausted ? 97 : faults.pool_low ? 25 : 55, max: 100 },
          cache: { hit_rate: faults.cache_misses ? 0.5 : 0.92, keys: 12_000 },
          database: { avg_latency_ms: faults.slow_queries ? 150 : 18, replication_lag_seconds: faults.replication_lag ? 6 : 0.4 },
          load_balancer: { replicas: 3, healthy: faults.replica_out ? 2 : 3 },
        },
      }),
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsProcess(() => startLibrary());
