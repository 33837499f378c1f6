/**
 * `npm run bench:ingest`: events per second through `POST /api/events` (one event per request,
 * dedup keys repeating so most requests join an open incident), then alert-to-delivered latency:
 * a trigger with a new dedup key opens an incident, escalation pages a webhook channel through the
 * durable outbox, and a loopback receiver notes when the signed request lands. Targets: ≥ 5,000
 * events/s on SQLite; alert-to-delivered p99 under 25 ms.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort, waitForHttp } from '../test/support/net.js';
import { spawnNode, stop } from './support/process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const keys = Number(process.env.BENCH_KEYS ?? 200);
const latencySamples = Number(process.env.BENCH_LATENCY_SAMPLES ?? 200);
const routingKey = randomBytes(24).toString('hex');

const arrivals = new Map<string, number>();
const receiver = http.createServer((q, s) => {
  let raw = '';
  q.on('data', (c: Buffer) => (raw += c.toString()));
  q.on('end', () => {
    const at = performance.now() + performance.timeOrigin;
    try {
      const body = JSON.parse(raw) as { data?: { incident?: { title?: string } } };
      const title = body.data?.incident?.title;
      if (title && !arrivals.has(title)) arrivals.set(title, at);
    } catch {
      // not ours
    }
    s.writeHead(204).end();
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-ingest-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
fs.writeFileSync(
  path.join(dir, 'ops.yaml'),
  `server:
  log_level: warn
integrations:
  - id: bench
    kind: events
    key: ${routingKey}
channels:
  - id: hook
    kind: webhook
    url: http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook
    secrets: ["whsec_${randomBytes(24).toString('base64')}"]
escalation_policies:
  - id: default
    steps:
      - targets: [{ channel: hook }]
        timeout: 1h
`,
);
const daemon = spawnNode([path.join(root, 'bin/opsbook.js'), 'serve', '--config', path.join(dir, 'ops.yaml'), '--port', String(port), '--no-watch']);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function post(body: unknown): Promise<number> {
  const data = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request({ agent, host: '127.0.0.1', port, path: '/api/events', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(data);
  });
}

const trigger = (dedup: string, summary: string) => ({
  routing_key: routingKey,
  event_action: 'trigger',
  dedup_key: dedup,
  payload: { summary, source: 'bench', severity: 'critical' },
});

try {
  await waitForHttp(`${base}/_health/ready`, 30_000);

  // 1. Throughput: closed loop, `concurrency` requests in flight, dedup keys cycling.
  let sent = 0;
  let failed = 0;
  const warmEnd = Date.now() + 2000;
  const measureEnd = warmEnd + seconds * 1000;
  let measured = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < measureEnd) {
        const n = sent++;
        const status = await post(trigger(`k${n % keys}`, `throughput ${n % keys}`));
        if (status !== 202) failed++;
        if (Date.now() >= warmEnd) measured++;
      }
    }),
  );
  const rate = measured / seconds;

  // 1b. Every event new: each opens an incident (and pages), so the store does all the work.
  let unique = 0;
  const uniqueEnd = Date.now() + 3000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < uniqueEnd) {
        const n = unique++;
        await post(trigger(`u${n}`, `unique ${n}`));
      }
    }),
  );
  const uniqueRate = unique / 3;

  // 2. Alert → delivered: new dedup keys at a gentle pace, each opening an incident that pages.
  const sentAt = new Map<string, number>();
  for (let i = 0; i < latencySamples; i++) {
    const title = `latency-${i}`;
    sentAt.set(title, performance.now() + performance.timeOrigin);
    await post(trigger(`lat-${i}`, title));
    await new Promise((r) => setTimeout(r, 25));
  }
  const deadline = Date.now() + 10_000;
  while (arrivals.size < latencySamples && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const lat = [...sentAt].filter(([t]) => arrivals.has(t)).map(([t, at]) => arrivals.get(t)! - at).sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;

  console.log(`events API on SQLite, one event per request, ${concurrency} in flight, ${keys} dedup keys, ${seconds} s (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)})`);
  console.log(`  throughput: ${rate.toFixed(0)} events/s (${failed} not accepted)   target ≥ 5,000/s: ${rate >= 5000 ? 'met' : 'NOT met'}`);
  console.log(`  every event a new incident (no dedup): ${uniqueRate.toFixed(0)} events/s`);
  console.log(`  alert → webhook delivered (durable outbox, ${lat.length}/${latencySamples} arrived): p50 ${q(0.5).toFixed(1)} ms  p90 ${q(0.9).toFixed(1)} ms  p99 ${q(0.99).toFixed(1)} ms   target p99 < 25 ms: ${q(0.99) < 25 ? 'met' : 'NOT met'}`);
} finally {
  agent.destroy();
  await stop(daemon);
  receiver.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
