/**
 * SIGN X / APEX (seed 004) stand-in: HTTPS `/health`, `/ready` and `/metrics` with the database
 * pool gauge `apex_pg_pool_used` and `http_requests_total`, the Celery list `celery` in Redis.
 * Faults: `error_rate` (8 % 5xx > the seed's 5 % P0 threshold), `pool_exhausted` (pool at its
 * limit), `certificate_expiring` (serves a certificate that expires in 10 days; needs
 * STANDIN_TLS_EXPIRING_CERT/KEY).
 */
import { Redis } from 'ioredis';
import { promText, readEnvTls, runAsProcess, startStandin, type Faults, type Standin } from '../support/standin.js';

export async function startApex(env: NodeJS.ProcessEnv = process.env): Promise<Standin> {
  const redis = new Redis(env.STANDIN_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  const healthy = readEnvTls();
  const expiring = readEnvTls('STANDIN_TLS_EXPIRING');
  const faults: Faults = { error_rate: false, pool_exhausted: false, certificate_expiring: false };
  const totals = { ok: 0, error: 0 };
  // onFaults runs only after start, so the closure never sees `standin` uninitialised.
  const standin: Standin = await startStandin({
    name: 'apex',
    port: Number(env.STANDIN_PORT ?? 0),
    ...(healthy ? { tls: healthy } : {}),
    faults,
    onClose: () => void redis.quit().catch(() => {}),
    onFaults: (f) => {
      const tls = f.certificate_expiring ? expiring : healthy;
      if (tls) standin.setCertificate(tls);
    },
    routes: {
      '/health': () => ({ status: faults.error_rate ? 503 : 200, json: { status: faults.error_rate ? 'degraded' : 'ok' } }),
      '/ready': async () => {
        const redisOk = await redis.ping().then(() => true, () => false);
        return { status: redisOk ? 200 : 503, json: { ready: redisOk } };
      },
      '/metrics': () => {
        const errors = faults.error_rate ? 80 : 1;
        totals.ok += 1000 - errors;
        totals.error += errors;
        return {
          text: promText([
            { name: 'apex_pg_pool_used', help: 'Database connections in use.', type: 'gauge', samples: [{ value: faults.pool_exhausted ? 30 : 9 }] },
            { name: 'apex_pg_pool_size', help: 'Database pool size.', type: 'gauge', samples: [{ value: 30 }] },
            {
              name: 'http_requests_total', help: 'Requests by status.', type: 'counter',
              samples: [{ labels: { status: '200' }, value: totals.ok }, { labels: { status: '500' }, value: totals.error }],
            },
          ]),
        };
      },
    },
  });
  return standin;
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsProcess(() => startApex());
