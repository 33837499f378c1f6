/**
 * Django Finance (seed 002) stand-in: `/health/` and `/health/ready/`, Prometheus
 * `http_requests_total{status}` and `http_request_duration_seconds` (the seed's alert rules are
 * written over them), the Celery queue as the Redis list `celery`.
 * A WebSocket endpoint `/ws/` as Daphne would serve through Channels: it checks `Origin` and answers
 * `{"type": "ping"}` with `{"type": "pong"}`.
 * One endpoint of each class the runbook's latency table names (API read, API write, dashboard,
 * reports: the runbook names no paths, these stand for them), 4xx and failed-transaction counters for
 * its error-rate objectives, and node_exporter's host series at `/node-exporter/metrics` (CPU, memory,
 * root file system) for its CPU/memory/disk thresholds.
 * `http_requests_total{status}` counts the responses the app really sent (its own routes; the game day's
 * users GET `/api/accounts/1/`), each logged on stderr, a 5xx at ERROR.
 * Faults: `error_rate` (a bad release: one request in ten to `/api/accounts/1/` really answers 500,
 * above the seed's 1 %; the Application Rollback's restart brings the process back without it), `slow` (p99 3 s > 2 s), `cpu_high` (CPU
 * busy 95 % > 90 %), `memory_high` (97 % in use > 95 %), `disk_full` (92 % used > 90 %).
 * The app's database connections are real (examples/support/app-pool.ts): Django keeps one per
 * worker thread (CONN_MAX_AGE), 115 across the deployment, nearly all of the world's max_connections
 * (120); `/_gameday/pool` makes requests hang holding them all ("Database Connection Exhausted"), and
 * restarting the app ("will reset connection pool") frees them.
 */
import { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';
import { startAppPool } from '../support/app-pool.js';
import { FailingShare, ResponseCounter } from '../support/requests.js';
import { histogramSamples, promText, runAsProcess, startStandin, type Faults, type Standin } from '../support/standin.js';

export async function startDjangoFinance(env: NodeJS.ProcessEnv = process.env): Promise<Standin> {
  // Reconnects every 100 ms: the game day's clock is compressed, so ioredis' default back-off (up to 2 s
  // of real time) would leave the app without Redis for simulated minutes after Redis is back.
  const redis = new Redis(env.STANDIN_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  // Once connected, a command while Redis is down fails at once (as the app's health code would see
  // it) instead of waiting in ioredis' offline queue for reconnects that back off to seconds.
  redis.once('ready', () => {
    redis.options.enableOfflineQueue = false;
  });
  redis.on('error', () => {});
  const appPool = await startAppPool(env.STANDIN_PG_URL ?? '', { size: 115, inFlight: 2, name: 'django-finance-gunicorn' });
  const faults: Faults = { error_rate: false, slow: false, cpu_high: false, memory_high: false, disk_full: false };
  // Requests and their statuses are counted as the app sends them (ResponseCounter). The latency
  // histogram and the transactions are accounted per scrape: 1,000 observations (80 ms, or 3 s under
  // `slow`), 10,000 transactions committed, none failed. Observations stay in the buckets they fell in,
  // as a client library's do: the histogram only grows, so rate() over it (HighLatency) sees the slow
  // ones arrive and no counter reset when the fault comes or goes.
  const responses = new ResponseCounter();
  const badRelease = new FailingShare(0.1);
  const totals = { fast: 0, slow: 0, committed: 0, failed: 0 };
  const tick = (): void => {
    if (faults.slow) totals.slow += 1000;
    else totals.fast += 1000;
    totals.committed += 10_000;
  };
  const BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5];
  const latencySamples = () => {
    const slow = histogramSamples(BOUNDS, totals.slow, 3);
    return histogramSamples(BOUNDS, totals.fast, 0.08).map((s, i) => ({ ...s, value: s.value + slow[i]!.value }));
  };
  // node_exporter's CPU seconds advance 30 per host scrape, 35 % of them busy (95 % under cpu_high).
  const cpu = { idle: 0, busy: 0 };
  const GIB = 1024 ** 3;
  const port = Number(env.STANDIN_PORT ?? 0);
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer) => {
      let msg: { type?: string } = {};
      try {
        msg = JSON.parse(data.toString()) as { type?: string };
      } catch {
        ws.send(JSON.stringify({ type: 'error', message: 'not JSON' }));
      }
      if (msg.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
    });
  });
  return startStandin({
    name: 'django-finance',
    port,
    faults,
    onClose: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      void redis.quit().catch(() => {});
      await appPool.close();
    },
    // Channels' AllowedHostsOriginValidator: a foreign Origin is refused with 403 before the upgrade.
    onUpgrade: (req, socket, head) => {
      const origin = req.headers.origin ?? '';
      if (new URL(req.url ?? '/', 'http://standin').pathname !== '/ws/' || !/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(origin)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    routes: {
      '/_gameday/pool': appPool.route,
      '/health/': responses.counted(() => ({ json: { status: 'healthy' } })),
      // One endpoint per class of the latency table (runbooks/django-finance.md:22-25).
      '/api/accounts/': responses.counted(() => ({ json: { count: 2, results: [{ id: 1, name: 'Operating' }, { id: 2, name: 'Reserve' }] } })),
      // The users' traffic (the runbook names no endpoint; this one stands for them).
      '/api/accounts/1/': responses.counted(() => {
        if (faults.error_rate && badRelease.next()) {
          process.stderr.write(`${new Date().toISOString()} ERROR django.request Internal Server Error: /api/accounts/1/ (TypeError: unsupported operand type(s) for +: 'decimal.Decimal' and 'NoneType')\n`);
          return { status: 500, contentType: 'text/html', text: '<h1>Server Error (500)</h1>' };
        }
        return { json: { id: 1, name: 'Operating', balance: '125000.00' } };
      }),
      '/api/transactions/': responses.counted((req) =>
        req.method === 'POST' ? { status: 201, json: { id: 'probe', status: 'validated', dry_run: true } } : { status: 405, json: { detail: 'Method not allowed' } }),
      '/dashboard/': responses.counted(() => ({ contentType: 'text/html; charset=utf-8', text: '<!doctype html><title>Dashboard</title><h1>Dashboard</h1>' })),
      '/api/reports/monthly/': responses.counted(() => ({ json: { period: 'month', income: 125000, expenses: 98000 } })),
      '/node-exporter/metrics': () => {
        const busyShare = faults.cpu_high ? 0.95 : 0.35;
        cpu.busy += 30 * busyShare;
        cpu.idle += 30 * (1 - busyShare);
        const total = 16 * GIB;
        const size = 100 * GIB;
        return {
          text: promText([
            {
              name: 'node_cpu_seconds_total', help: 'Seconds the CPUs spent in each mode.', type: 'counter',
              samples: [{ labels: { cpu: '0', mode: 'idle' }, value: cpu.idle }, { labels: { cpu: '0', mode: 'user' }, value: cpu.busy }],
            },
            { name: 'node_memory_MemTotal_bytes', help: 'Memory information field MemTotal_bytes.', type: 'gauge', samples: [{ value: total }] },
            { name: 'node_memory_MemAvailable_bytes', help: 'Memory information field MemAvailable_bytes.', type: 'gauge', samples: [{ value: total * (faults.memory_high ? 0.03 : 0.4) }] },
            { name: 'node_filesystem_size_bytes', help: 'Filesystem size in bytes.', type: 'gauge', samples: [{ labels: { mountpoint: '/' }, value: size }] },
            { name: 'node_filesystem_avail_bytes', help: 'Filesystem space available to non-root users in bytes.', type: 'gauge', samples: [{ labels: { mountpoint: '/' }, value: size * (faults.disk_full ? 0.08 : 0.5) }] },
          ]),
        };
      },
      '/health/ready/': responses.counted(async () => {
        const redisOk = await redis.ping().then(() => true, () => false);
        return { status: redisOk ? 200 : 503, json: { status: redisOk ? 'ready' : 'not_ready', checks: { redis: redisOk } } };
      }),
      '/metrics': () => {
        tick();
        return {
          text: promText([
            { name: 'http_requests_total', help: 'Requests by status.', type: 'counter', samples: responses.samples() },
            {
              name: 'finance_transactions_total', help: 'Financial transactions by outcome.', type: 'counter',
              samples: [{ labels: { outcome: 'committed' }, value: totals.committed }, { labels: { outcome: 'failed' }, value: totals.failed }],
            },
            { name: 'http_request_duration_seconds', help: 'Request latency.', type: 'histogram', samples: latencySamples() },
          ]),
        };
      },
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsProcess(() => startDjangoFinance());
