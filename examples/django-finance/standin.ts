/**
 * Django Finance (seed 002) stand-in: `/health/` and `/health/ready/`, Prometheus
 * `http_requests_total{status}` and `http_request_duration_seconds` (the seed's alert rules are
 * written over them), the Celery queue as the Redis list `celery`.
 * A WebSocket endpoint `/ws/` as Daphne would serve through Channels: it checks `Origin` and answers
 * `{"type": "ping"}` with `{"type": "pong"}`.
 * Faults: `error_rate` (2 % of requests answer 5xx > 1 %), `slow` (p99 3 s > 2 s).
 */
import { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';
import { histogramSamples, promText, runAsProcess, startStandin, type Faults, type Standin } from '../support/standin.js';

export async function startDjangoFinance(env: NodeJS.ProcessEnv = process.env): Promise<Standin> {
  const redis = new Redis(env.STANDIN_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  const faults: Faults = { error_rate: false, slow: false };
  // Traffic is simulated: every scrape accounts for 1,000 more requests, so rates move between scrapes.
  const totals = { ok: 0, error: 0, count: 0 };
  const tick = (): void => {
    const errors = faults.error_rate ? 20 : 0;
    totals.ok += 1000 - errors;
    totals.error += errors;
    totals.count += 1000;
  };
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
    onClose: () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      void redis.quit().catch(() => {});
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
      '/health/': () => ({ json: { status: 'healthy' } }),
      '/health/ready/': async () => {
        const redisOk = await redis.ping().then(() => true, () => false);
        return { status: redisOk ? 200 : 503, json: { status: redisOk ? 'ready' : 'not_ready', checks: { redis: redisOk } } };
      },
      '/metrics': () => {
        tick();
        const latency = faults.slow ? 3 : 0.08;
        return {
          text: promText([
            {
              name: 'http_requests_total', help: 'Requests by status.', type: 'counter',
              samples: [{ labels: { status: '200' }, value: totals.ok }, { labels: { status: '500' }, value: totals.error }],
            },
            { name: 'http_request_duration_seconds', help: 'Request latency.', type: 'histogram', samples: histogramSamples([0.05, 0.1, 0.25, 0.5, 1, 2, 5], totals.count, latency) },
          ]),
        };
      },
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await runAsProcess(() => startDjangoFinance());
