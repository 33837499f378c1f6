#!/usr/bin/env node
// A tiny stand-in service for the demo: health, readiness, Prometheus metrics and a JSON status,
// with a control endpoint so a person (or a test) can push it into warning or critical states.
import http from 'node:http';

const port = Number(process.env.DEMO_PORT ?? 4180);
const state = { healthy: true, queue_depth: 12, failed_jobs: 0, pool_utilization: 0.45, latency_ms: 5, requests: 0, errors: 0 };

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  state.requests += 1;
  const url = new URL(req.url ?? '/', 'http://demo');
  const delay = state.latency_ms;
  setTimeout(() => {
    if (url.pathname === '/health') {
      if (!state.healthy) state.errors += 1;
      return send(res, state.healthy ? 200 : 503, { status: state.healthy ? 'healthy' : 'unhealthy' });
    }
    if (url.pathname === '/ready') return send(res, state.healthy ? 200 : 503, { status: state.healthy ? 'ready' : 'not_ready' });
    if (url.pathname === '/status.json') {
      return send(res, 200, { queue: { depth: state.queue_depth, failed: state.failed_jobs }, connection_pool: { utilization: state.pool_utilization } });
    }
    if (url.pathname === '/metrics') {
      return send(res, 200, [
        '# HELP demo_queue_depth Jobs waiting in the demo queue.',
        '# TYPE demo_queue_depth gauge',
        `demo_queue_depth ${state.queue_depth}`,
        '# HELP demo_failed_jobs Jobs in the failed set.',
        '# TYPE demo_failed_jobs gauge',
        `demo_failed_jobs ${state.failed_jobs}`,
        '# HELP demo_http_requests_total Requests served.',
        '# TYPE demo_http_requests_total counter',
        `demo_http_requests_total{status="2xx"} ${state.requests - state.errors}`,
        `demo_http_requests_total{status="5xx"} ${state.errors}`,
        '',
      ].join('\n'), 'text/plain; version=0.0.4');
    }
    if (url.pathname === '/_slack' && req.method === 'POST') {
      // Stands in for a Slack incoming webhook so the demo's pages land somewhere.
      req.resume();
      return send(res, 200, 'ok', 'text/plain');
    }
    if (url.pathname === '/_control' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        try {
          Object.assign(state, JSON.parse(body || '{}'));
          send(res, 200, state);
        } catch (e) {
          send(res, 400, { error: `body must be JSON: ${e.message}` });
        }
      });
      return undefined;
    }
    return send(res, 404, { error: 'not found' });
  }, delay);
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`demo service listening on http://127.0.0.1:${port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
