/**
 * `npm run bench:ingest`: events per second through `POST /api/events` (one event per request) on
 * SQLite, in three figures that exercise different code: repeats of firing alerts (answered by the
 * in-memory repeat cache), new alerts joining an existing incident (the store: dedup lookup, group
 * lookup, alert row, timeline), and new incidents that page (the store plus escalation and the
 * outbox). Each prints the daemon's CPU per event. Then alert-to-delivered latency, measured only
 * once the outbox is quiet again: a trigger with a new dedup key opens an incident, escalation
 * pages a webhook channel through the durable outbox, and a loopback receiver notes when the
 * signed request lands.
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
import { webhookPagingYaml } from './support/paging-config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const keys = Number(process.env.BENCH_KEYS ?? 200);
const latencySamples = Number(process.env.BENCH_LATENCY_SAMPLES ?? 200);
const routingKey = randomBytes(24).toString('hex');
const groupedKey = randomBytes(24).toString('hex');

/** CPU milliseconds (user + system) the process has used so far, from /proc (Linux). */
function cpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

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
  - id: grouped
    kind: events
    key: ${groupedKey}
    labels: { service: bench-group }
# Alerts of one integration with no service group by rule within group_within; P1 (the bench's
# new incidents, severity critical) turns grouping off so every new dedup key opens its own incident (the grouping
# query still runs); P2 (the grouped figure, severity error) keeps the default 5m window.
${webhookPagingYaml(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`)}`,
);
// BENCH_CPU_PROF=DIR writes the daemon's CPU profile there (node --cpu-prof) when it stops.
const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : [];
const daemon = spawnNode([...profile, path.join(root, 'bin/opsbook.js'), 'serve', '--config', path.join(dir, 'ops.yaml'), '--port', String(port), '--no-watch']);
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

const trigger = (dedup: string, summary: string, key = routingKey) => ({
  routing_key: key,
  event_action: 'trigger',
  dedup_key: dedup,
  payload: { summary, source: 'bench', severity: key === groupedKey ? 'error' : 'critical' },
});

try {
  await waitForHttp(`${base}/_health/ready`, 30_000);

  /** A closed loop of `concurrency` requests for `ms`, the event of each from `next`; events/s and daemon CPU ms per event. */
  async function phase(ms: number, next: (n: number) => unknown): Promise<{ rate: number; cpuPerEvent: number; failed: number }> {
    let n = 0;
    let failed = 0;
    const cpu0 = cpuMs(daemon.pid!);
    const t0 = performance.now();
    const end = Date.now() + ms;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          if ((await post(next(n++))) !== 202) failed++;
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    return { rate: n / elapsed, cpuPerEvent: (cpuMs(daemon.pid!) - cpu0) / n, failed };
  }

  // 1. Repeats: `keys` dedup keys cycling. After a warm-up pass every event is a known firing alert,
  //    answered from the repeat cache without a statement.
  for (let i = 0; i < keys; i += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, keys - i) }, (_, j) => post(trigger(`k${i + j}`, `repeat ${i + j}`))));
  }
  await phase(1000, (n) => trigger(`k${n % keys}`, `repeat ${n % keys}`));
  const repeats = await phase(seconds * 1000, (n) => trigger(`k${n % keys}`, `repeat ${n % keys}`));

  // 2. New alerts into an existing incident: every dedup key new, all of one service, so each joins
  //    the service's open incident (grouping): the store's path without a page.
  await post(trigger('group-seed', 'grouped incident', groupedKey));
  const joined = await phase(seconds * 1000, (n) => trigger(`g${n}`, `grouped ${n}`, groupedKey));

  // 3. New incidents with pages: every dedup key new and no service, so each opens an incident,
  //    starts escalation and writes its page to the outbox.
  const opened = await phase(seconds * 1000, (n) => trigger(`u${n}`, `unique ${n}`));

  // The pages of phase 3 drain before latency is measured: quiet means no arrival for 2 s.
  const drainStart = Date.now();
  for (let last = -1; arrivals.size !== last && Date.now() - drainStart < 120_000; ) {
    last = arrivals.size;
    await new Promise((r) => setTimeout(r, 2000));
  }
  const drainMs = Date.now() - drainStart;

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

  const fmt = (r: { rate: number; cpuPerEvent: number; failed: number }) =>
    `${r.rate.toFixed(0).padStart(6)} events/s   ${r.cpuPerEvent.toFixed(2)} ms CPU/event${r.failed ? `   (${r.failed} not accepted)` : ''}`;
  console.log(`events API on SQLite, one event per request, ${concurrency} in flight, ${seconds} s per figure (${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)})`);
  console.log(`  repeats of firing alerts (repeat cache, ${keys} keys):  ${fmt(repeats)}`);
  console.log(`  new alerts into an existing incident (store):       ${fmt(joined)}`);
  console.log(`  new incidents with pages (store + outbox):          ${fmt(opened)}`);
  console.log(`  outbox drained in ${(drainMs / 1000).toFixed(1)} s before the latency run`);
  console.log(`  alert → webhook delivered on a quiet outbox (${lat.length}/${latencySamples} arrived, one every 25 ms): p50 ${q(0.5).toFixed(1)} ms  p90 ${q(0.9).toFixed(1)} ms  p99 ${q(0.99).toFixed(1)} ms`);
} finally {
  agent.destroy();
  await stop(daemon);
  receiver.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
