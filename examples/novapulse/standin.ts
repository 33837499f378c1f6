/**
 * NovaPulse (seed 001) stand-in: `/api/v1/health`, `/api/v1/queue/stats` and `/api/v1/metrics`,
 * with the BullMQ-style queues as Redis lists under the seed's own names (`nova:email:waiting`,
 * `nova:email:failed`, …). Faults: `email_backlog` (1,200 waiting > 1,000), `failed_jobs`
 * (600 failed > 500), `memory_high` (resident memory reported at 90 % of the limit). Stopping its Redis is the "Redis outage" game day. The metrics carry the request
 * and error counters the error-rate alerts divide, and the process's own memory and CPU.
 */
import { Redis } from 'ioredis';
import { promText, runAsProcess, startStandin, type Faults, type Standin } from '../support/standin.js';

const QUEUES = ['email', 'webhook', 'workflow', 'report'];

export async function startNovapulse(env: NodeJS.ProcessEnv = process.env): Promise<Standin> {
  // Reconnects every 100 ms: the game day's clock is compressed, so ioredis' default back-off (up to 2 s
  // of real time) would leave the app without Redis for simulated minutes after Redis is back.
  const redis = new Redis(env.STANDIN_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, lazyConnect: false, retryStrategy: () => 100 });
  // Once connected, a command while Redis is down fails at once (as the app's health code would see
  // it) instead of waiting in ioredis' offline queue for reconnects that back off to seconds.
  redis.once('ready', () => {
    redis.options.enableOfflineQueue = false;
  });
  redis.on('error', () => {});
  const faults: Faults = { email_backlog: false, failed_jobs: false, memory_high: false };
  const fill = async (key: string, n: number): Promise<void> => {
    await redis.del(key);
    for (let i = 0; i < n; i += 500) await redis.rpush(key, ...Array.from({ length: Math.min(500, n - i) }, (_, j) => `job-${i + j}`));
  };
  const stats = async (): Promise<Record<string, { waiting: number; failed: number }>> => {
    const out: Record<string, { waiting: number; failed: number }> = {};
    for (const q of QUEUES) out[q] = { waiting: await redis.llen(`nova:${q}:waiting`), failed: await redis.llen(`nova:${q}:failed`) };
    return out;
  };
  let served = 0;
  // The process's own memory against a 512 MiB container limit, and its CPU time, as a Node exporter reports them.
  const MEMORY_LIMIT = 512 * 1024 * 1024;
  await fill('nova:email:waiting', 20);
  await fill('nova:email:failed', 3);
  return startStandin({
    name: 'novapulse',
    port: Number(env.STANDIN_PORT ?? 0),
    faults,
    onClose: () => void redis.quit().catch(() => {}),
    onFaults: async (f) => {
      await fill('nova:email:waiting', f.email_backlog ? 1200 : 20);
      await fill('nova:email:failed', f.failed_jobs ? 600 : 3);
    },
    routes: {
      '/api/v1/health': async () => {
        served += 1;
        const redisOk = await redis.ping().then(() => true, () => false);
        return { status: redisOk ? 200 : 503, json: { status: redisOk ? 'ok' : 'degraded', redis: redisOk ? 'up' : 'down' } };
      },
      '/api/v1/queue/stats': async () => {
        served += 1;
        return { json: await stats() };
      },
      '/api/v1/metrics': async () => {
        served += 1;
        const s = await stats();
        const cpu = process.cpuUsage();
        return {
          text: promText([
            { name: 'queue_size', help: 'Jobs waiting per queue.', type: 'gauge', samples: QUEUES.map((q) => ({ labels: { queue: q }, value: s[q]!.waiting })) },
            { name: 'http_request_errors', help: 'Failed requests.', type: 'counter', samples: [{ value: 0 }] },
            { name: 'http_requests_total', help: 'Requests served.', type: 'counter', samples: [{ value: served }] },
            { name: 'process_resident_memory_bytes', help: 'Resident memory.', type: 'gauge', samples: [{ value: faults.memory_high ? 0.9 * MEMORY_LIMIT : process.memoryUsage().rss }] },
            { name: 'container_spec_memory_limit_bytes', help: 'Memory limit.', type: 'gauge', samples: [{ value: MEMORY_LIMIT }] },
            { name: 'process_cpu_seconds_total', help: 'CPU time.', type: 'counter', samples: [{ value: (cpu.user + cpu.system) / 1e6 }] },
            { name: 'db_connection_pool', help: 'MongoDB pool in use.', type: 'gauge', samples: [{ value: 4 }] },
          ]),
        };
      },
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsProcess(() => startNovapulse());
