/**
 * `npm run bench:api`: the API's two hot reads against a real `opsbook serve` on SQLite.
 *
 * 1. The incident list (first page of 50, newest first, filtered by state) with 100,000 incidents
 *    stored: p50/p99 over sequential requests. Target p99 < 50 ms.
 * 2. `GET /api/checks` with 50 HTTP checks running against a loopback server: the sustained rate of a
 *    closed loop (N connections, each sending its next request when the last answers) and its p99,
 *    then a fixed rate of 1,000 req/s (the seeds' burst) with latency from the planned send.
 *    Target ≥ 2,000 req/s with p99 < 100 ms.
 *
 *   npm run bench:api
 *   BENCH_INCIDENTS=20000 BENCH_SECONDS=5 npm run bench:api
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLocal } from '../src/cli/local.js';
import { createToken } from '../src/identity/index.js';
import { newId } from '../src/lib/ids.js';
import { freePort, waitForHttp } from '../test/support/net.js';
import { fixedRate, formatLoad } from './support/load.js';
import { spawnJsonServer, spawnNode, stop } from './support/process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const incidents = Number(process.env.BENCH_INCIDENTS ?? 100_000);
const listRequests = Number(process.env.BENCH_LIST_REQUESTS ?? 2_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const CHECKS = 50;

const STATES = ['resolved', 'resolved', 'resolved', 'reviewed', 'resolved', 'triggered', 'acknowledged', 'investigating', 'mitigated', 'resolved'];
const SEVERITIES = ['P1', 'P2', 'P2', 'P3', 'P3', 'P3', 'P4'];
const SERVICES = ['api', 'web', 'billing', 'search', 'mail', 'db'];

const q = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
const ms = (v: number): string => `${v.toFixed(2)} ms`;

const targetPort = await freePort();
const target = spawnJsonServer(targetPort, '{"status":"ok"}');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-api-'));
const config = path.join(dir, 'ops.yaml');
const checks = Array.from({ length: CHECKS }, (_, i) => `  - id: web-${i}\n    kind: http\n    url: http://127.0.0.1:${targetPort}/health/${i}\n    interval: 30s\n    service: ${SERVICES[i % SERVICES.length]}\n`).join('');
const services = SERVICES.map((id) => `  - id: ${id}\n`).join('');
fs.writeFileSync(config, `server:\n  log_level: warn\nusers:\n  - name: bench\n    role: viewer\nservices:\n${services}checks:\n${checks}`);

let daemon: ReturnType<typeof spawnNode> | undefined;
try {
  // Seed the store before the daemon starts: 100,000 incidents over the last year, ids from their
  // opening time so newest-first is id order, as the daemon writes them.
  const local = await openLocal(config, process.env);
  let token: string;
  const seedStart = performance.now();
  try {
    const now = Date.now();
    const span = 365 * 86_400_000;
    const BATCH = 500;
    for (let done = 0; done < incidents; done += BATCH) {
      const rows = [];
      for (let i = done; i < Math.min(incidents, done + BATCH); i++) {
        const openedAt = now - span + Math.floor((i / incidents) * span);
        const state = STATES[i % STATES.length]!;
        const open = state !== 'resolved' && state !== 'reviewed';
        rows.push({
          id: newId('inc', openedAt),
          title: `${SERVICES[i % SERVICES.length]} check web-${i % CHECKS} failing`,
          state,
          severity: SEVERITIES[i % SEVERITIES.length]!,
          service: SERVICES[i % SERVICES.length]!,
          source: i % 5 === 0 ? 'manual' : 'alert',
          opened_at: openedAt,
          updated_at: openedAt + 60_000,
          acknowledged_at: state === 'triggered' ? null : openedAt + 120_000,
          resolved_at: open ? null : openedAt + 1_800_000,
          response_due_at: openedAt + 900_000,
          labels: JSON.stringify({ service: SERVICES[i % SERVICES.length], check: `web-${i % CHECKS}` }),
          runbook: null,
          created_by: 'system:rules',
          reopened: 0,
          held_notification: null,
        });
      }
      await local.store.db.insertInto('incidents').values(rows).execute();
    }
    token = (await createToken({ ...local, users: local.config.users }, { name: 'bench', role: 'viewer', via: 'cli' }, 'bench', 'bench')).token;
  } finally {
    await local.close();
  }
  const seedSeconds = (performance.now() - seedStart) / 1000;

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  daemon = spawnNode([path.join(root, 'bin/opsbook.js'), 'serve', '--config', config, '--port', String(port), '--no-watch']);
  await waitForHttp(`${base}/_health/ready`, 60_000);
  const headers = { authorization: `Bearer ${token}` };

  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const get = (urlPath: string): Promise<{ status: number; ms: number; body: string }> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = http.request({ agent, host: '127.0.0.1', port, path: urlPath, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body }));
      });
      req.on('error', () => resolve({ status: 0, ms: performance.now() - t0, body: '' }));
      req.end();
    });

  // 1. Incident list: sequential, one request at a time, after a short warm-up.
  const listPath = '/api/incidents?state=triggered&limit=50';
  const first = await get(listPath);
  const page = (JSON.parse(first.body) as { incidents: Array<{ id: string; state: string }> }).incidents;
  if (first.status !== 200 || page.length !== 50 || page.some((i) => i.state !== 'triggered')) throw new Error(`incident list answered ${first.status}: ${first.body.slice(0, 200)}`);
  for (let i = 0; i < 100; i++) await get(listPath);
  const listLat: number[] = [];
  let listErrors = 0;
  for (let i = 0; i < listRequests; i++) {
    const r = await get(listPath);
    if (r.status !== 200) listErrors++;
    listLat.push(r.ms);
  }
  listLat.sort((a, b) => a - b);

  // 2. GET /api/checks, closed loop: `connections` clients each with one request in flight.
  const checksBody = JSON.parse((await get('/api/checks')).body) as { checks: unknown[] };
  if (checksBody.checks.length !== CHECKS) throw new Error(`expected ${CHECKS} checks, got ${checksBody.checks.length}`);
  const warmEnd = performance.now() + 2000;
  const end = warmEnd + seconds * 1000;
  const checkLat: number[] = [];
  let checkErrors = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const r = await get('/api/checks');
        if (performance.now() < warmEnd) continue;
        if (r.status !== 200) checkErrors++;
        checkLat.push(r.ms);
      }
    }),
  );
  agent.destroy();
  checkLat.sort((a, b) => a - b);
  const rate = checkLat.length / seconds;

  // 3. The seeds' burst as a fixed rate, latency counted from the planned send.
  const burst = await fixedRate({ url: `${base}/api/checks`, rate: 1000, seconds: 5, connections: 64, headers });

  console.log(`API on SQLite, ${incidents.toLocaleString('en')} incidents stored (seeded in ${seedSeconds.toFixed(1)} s), ${CHECKS} http checks every 30 s (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)})`);
  const listP99 = q(listLat, 0.99);
  console.log(`  GET ${listPath}: ${listRequests} sequential requests  p50 ${ms(q(listLat, 0.5))}  p90 ${ms(q(listLat, 0.9))}  p99 ${ms(listP99)}  max ${ms(listLat[listLat.length - 1]!)}  errors ${listErrors}   target p99 < 50 ms: ${listP99 < 50 ? 'met' : 'NOT met'}`);
  const checksP99 = q(checkLat, 0.99);
  const met = rate >= 2000 && checksP99 < 100;
  console.log(`  GET /api/checks closed loop, ${connections} connections, ${seconds} s: ${rate.toFixed(0)} req/s  p50 ${ms(q(checkLat, 0.5))}  p99 ${ms(checksP99)}  errors ${checkErrors}   target ≥ 2,000/s with p99 < 100 ms: ${met ? 'met' : 'NOT met'}`);
  console.log(`  ${formatLoad('GET /api/checks at 1,000/s', burst)}`);
} finally {
  if (daemon) await stop(daemon);
  target.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
}
