/**
 * `npm run bench:peers`: opsbook beside its peers in the same run, on the same loopback targets and
 * rates, each figure printed with its ratio. Installs nothing: it uses Debian's
 * `prometheus-blackbox-exporter`, `prometheus-alertmanager` and `wrk` when present (`.ci/run`
 * installs them) and says which comparison it skipped otherwise.
 *
 * 1. CPU per HTTP probe against blackbox_exporter: one loopback target (node:http, Node's default 5 s
 *    keep-alive timeout) in this process, counting the requests it answers. opsbook runs N HTTP
 *    checks every second (`connection: new`, then `reuse`); blackbox_exporter is driven through
 *    `/probe` by wrk at the same rate. CPU of each daemon from /proc/PID/stat over the window,
 *    divided by the probes the target answered.
 * 2. Alert ingest against Alertmanager (`group_wait: 0`): one alert per request, 32 in flight —
 *    repeats of known alerts, then alerts that each open a new incident with a page (opsbook) or a new
 *    group with a notification (Alertmanager); both deliver to one loopback webhook receiver
 *    (opsbook's a signed webhook channel). Then alert → webhook delivered latency on a quiet
 *    receiver, one new alert every 50 ms (20/s).
 *    Both peers answer an alert before notifying: the new-incident figure is also given up to the
 *    arrival of its last notification (rate, and the daemon's CPU per alert over that time), since a
 *    daemon whose notifications lag past the window would otherwise be credited with work it had
 *    not done yet. Left out: under CPU contention from other processes a daemon with several
 *    threads (Alertmanager, Go) is scheduled more of the machine than a one-thread event loop
 *    (opsbook), so its rate leads by more than its CPU per alert does; each figure prints both, and
 *    the share of a core each used. The driver and the webhook receiver share one Node process,
 *    the same for both peers.
 *
 *   npm run bench:peers                 # 10 s per figure
 *   BENCH_SECONDS=5 BENCH_PROBES=100 npm run bench:peers
 *   BENCH_PART=alerts npm run bench:peers   # only the alert figures (or `probes`)
 *   BENCH_PEER=opsbook BENCH_DAEMON_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' BENCH_PART=alerts npm run bench:peers
 *                                           # opsbook alone, its daemon profiled
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort, waitForHttp } from '../test/support/net.js';
import { spawnNode, stop } from './support/process.js';
import { webhookPagingYaml } from './support/paging-config.js';
import { wrkAvailable, wrkFixedRate } from './support/wrk.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const probesPerSecond = Number(process.env.BENCH_PROBES ?? 200);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
// 1,000 samples (50 s at 20/s): the p99 is then the tenth slowest, not the second, and one preempted sample does not decide it.
const latencySamples = Number(process.env.BENCH_LATENCY_SAMPLES ?? 1000);
const part = process.env.BENCH_PART ?? 'all';
const BLACKBOX = '/usr/bin/prometheus-blackbox-exporter';
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';

/** CPU milliseconds (user + system) a process has used so far, from /proc (Linux). */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime in clock ticks (100 per second on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ratio = (ours: number, theirs: number) => (Number.isFinite(ours) && Number.isFinite(theirs) && theirs > 0 ? `${(ours / theirs).toFixed(2)}×` : 'n/a');
const q = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

function spawnBinary(file: string, args: string[]): ChildProcess {
  return spawn(file, args, { stdio: ['ignore', 'ignore', 'ignore'] });
}

/** A loopback server answering 200 with a small JSON body, counting requests; Node's default keep-alive timeout. */
async function countingTarget(): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server = http.createServer((_q, s) => {
    n++;
    s.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`,
    count: () => n,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** A loopback webhook receiver noting when each notification's key first arrives. */
async function webhookReceiver(keyOf: (body: unknown) => string[]): Promise<{ url: string; arrivals: Map<string, number>; close: () => Promise<void> }> {
  const arrivals = new Map<string, number>();
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const at = performance.now();
      try {
        for (const k of keyOf(JSON.parse(raw))) if (!arrivals.has(k)) arrivals.set(k, at);
      } catch {
        // not a notification
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
function post(port: number, urlPath: string, body: unknown): Promise<number> {
  const data = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = http.request({ agent, host: '127.0.0.1', port, path: urlPath, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(data);
  });
}

interface Rate {
  rate: number;
  cpuPerEvent: number;
  failed: number;
  /** Share of one core the daemon used over the window (1 = a full core): below 1 its rate is bound by something other than its CPU. */
  busy: number;
  /** Share of one core this driver (and the webhook receiver in it) used. */
  driverBusy: number;
  /** Where the window started: performance.now() and the daemon's CPU ms, for figures that run past it. */
  t0: number;
  cpu0: number;
  sent: number;
}

/** A closed loop of `concurrency` requests for `ms`; events/s and the daemon's CPU ms per event. */
async function closedLoop(pid: number, ms: number, send: (n: number) => Promise<boolean>): Promise<Rate> {
  let n = 0;
  let failed = 0;
  const cpu0 = cpuMs(pid);
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const end = Date.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) if (!(await send(n++))) failed++;
    }),
  );
  const wall = performance.now() - t0;
  const own = process.cpuUsage(own0);
  const cpu = cpuMs(pid) - cpu0;
  return { rate: n / (wall / 1000), cpuPerEvent: cpu / n, failed, busy: cpu / wall, driverBusy: (own.user + own.system) / 1000 / wall, t0, cpu0, sent: n };
}

/** Sends one new alert every `gapMs`, then waits for each to arrive; sorted latencies in ms. */
async function latency(arrivals: Map<string, number>, send: (key: string) => Promise<unknown>, gapMs = 50): Promise<{ lat: number[]; sent: number }> {
  const sentAt = new Map<string, number>();
  for (let i = 0; i < latencySamples; i++) {
    const key = `lat-${randomBytes(4).toString('hex')}-${i}`;
    sentAt.set(key, performance.now());
    void send(key);
    await sleep(gapMs);
  }
  const deadline = Date.now() + 15_000;
  while ([...sentAt.keys()].some((k) => !arrivals.has(k)) && Date.now() < deadline) await sleep(50);
  const lat = [...sentAt].filter(([k]) => arrivals.has(k)).map(([k, t]) => arrivals.get(k)! - t).sort((a, b) => a - b);
  return { lat, sent: sentAt.size };
}

/**
 * Waits until `expected` webhooks have arrived, or none has for 10 s (at most 3 min): the latency
 * run starts quiet. (A 2 s lull is not enough on a loaded machine: the rest then lands in the
 * latency run.)
 */
async function quiet(arrivals: Map<string, number>, expected = Infinity): Promise<void> {
  const start = Date.now();
  let last = arrivals.size;
  let lastChange = Date.now();
  while (arrivals.size < expected && Date.now() - lastChange < 10_000 && Date.now() - start < 180_000) {
    await sleep(250);
    if (arrivals.size !== last) {
      last = arrivals.size;
      lastChange = Date.now();
    }
  }
  await sleep(1000);
}

function opsbookDaemon(dir: string, port: number, yaml: string): ChildProcess {
  fs.writeFileSync(path.join(dir, 'ops.yaml'), yaml);
  // BENCH_DAEMON_NODE_ARGS reach the opsbook daemon's node only (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
  const nodeArgs = (process.env.BENCH_DAEMON_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawnNode([...nodeArgs, path.join(root, 'bin/opsbook.js'), 'serve', '--config', path.join(dir, 'ops.yaml'), '--port', String(port), '--no-watch']);
}

const lines: string[] = [];
const say = (s: string) => {
  lines.push(s);
  console.log(s);
};

// ---- 1. CPU per HTTP probe: opsbook against blackbox_exporter -----------------------------------

async function probes(): Promise<void> {
  const target = await countingTarget();
  const window = async (pid: number): Promise<{ cpuPerProbe: number; perSecond: number }> => {
    await sleep(3000); // warm: connections, JIT
    const c0 = cpuMs(pid);
    const n0 = target.count();
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const probes = target.count() - n0;
    return { cpuPerProbe: (cpuMs(pid) - c0) / probes, perSecond: probes / ((performance.now() - t0) / 1000) };
  };
  const ours: Record<string, { cpuPerProbe: number; perSecond: number }> = {};
  for (const connection of ['new', 'reuse'] as const) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-peers-'));
    const port = await freePort();
    const checks = Array.from({ length: probesPerSecond }, (_, i) => `  - { id: p${i}, kind: http, url: "${target.url}?c=${i}", interval: 1s, connection: ${connection}, conditions: ["[STATUS] == 200"] }`).join('\n');
    const daemon = opsbookDaemon(dir, port, `server:\n  log_level: warn\nchecks:\n${checks}\n`);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/_health/ready`, 60_000);
      ours[connection] = await window(daemon.pid!);
    } finally {
      await stop(daemon);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  let theirs: { cpuPerProbe: number; perSecond: number } | undefined;
  if (fs.existsSync(BLACKBOX) && wrkAvailable()) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-blackbox-'));
    const port = await freePort();
    fs.writeFileSync(path.join(dir, 'blackbox.yml'), 'modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n    http:\n      valid_status_codes: [200]\n      preferred_ip_protocol: ip4\n');
    const bb = spawnBinary(BLACKBOX, [`--config.file=${path.join(dir, 'blackbox.yml')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn']);
    try {
      await waitForHttp(`http://127.0.0.1:${port}/metrics`, 30_000);
      const url = `http://127.0.0.1:${port}/probe?module=http_2xx&target=${encodeURIComponent(target.url)}`;
      const driver = wrkFixedRate({ url, rate: probesPerSecond, seconds: seconds + 3, connections: 8 });
      theirs = await window(bb.pid!);
      await driver;
    } finally {
      await stop(bb);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  await target.close();
  say(`CPU per HTTP probe, ${probesPerSecond} probes/s against one loopback target (Node's default 5 s keep-alive), ${seconds} s window`);
  const bbText = theirs ? `${theirs.cpuPerProbe.toFixed(3)} ms (${theirs.perSecond.toFixed(0)} probes/s, driven through /probe by wrk)` : 'not run (prometheus-blackbox-exporter or wrk missing)';
  say(`  blackbox_exporter (new connection per probe):  ${bbText}`);
  for (const c of ['new', 'reuse'] as const) {
    say(`  opsbook, connection: ${c.padEnd(5)}                  ${ours[c]!.cpuPerProbe.toFixed(3)} ms (${ours[c]!.perSecond.toFixed(0)} probes/s)   ratio to blackbox ${theirs ? ratio(ours[c]!.cpuPerProbe, theirs.cpuPerProbe) : 'n/a'}`);
  }
  say('  leaves out: blackbox also answers the /probe HTTP request and renders metrics per probe; opsbook also evaluates');
  say('  conditions, keeps probe state and writes every result to SQLite history. Scheduling lag is in bench:checks.');
}

// ---- 2. Alert ingest and latency: opsbook against Alertmanager ----------------------------------

/**
 * The new-incident/new-group figure carried through to its notifications: alerts sent over the time
 * from the window's start until the last of their notifications arrived, and the daemon's CPU over
 * that time per alert. Both peers answer before notifying, so the answered rate alone leaves out
 * notifications still queued when the window closed.
 */
interface Delivered {
  rate: number;
  cpuPerEvent: number;
}

function throughDelivery(pid: number, fresh: Rate, arrivals: Map<string, number>): Delivered {
  const last = Math.max(...[...arrivals].filter(([k]) => /^n\d+$/.test(k)).map(([, at]) => at));
  return { rate: fresh.sent / ((last - fresh.t0) / 1000), cpuPerEvent: (cpuMs(pid) - fresh.cpu0) / fresh.sent };
}

interface AlertFigures {
  repeats: Rate;
  fresh: Rate;
  freshDelivered: Delivered;
  /** Notifications of the new-incident/new-group figure that reached the receiver (it waits until quiet). */
  delivered: number;
  freshSent: number;
  lat: number[];
  sent: number;
  /** The daemon's CPU per alert over the latency run (one alert every 50 ms: nothing shared between alerts). */
  latCpu: number;
}

async function opsbookAlerts(): Promise<AlertFigures> {
  const receiver = await webhookReceiver((b) => [(b as { data?: { incident?: { title?: string } } }).data?.incident?.title ?? '']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-peers-'));
  const port = await freePort();
  const key = randomBytes(24).toString('hex');
  // P1 (severity critical) opens an incident per new dedup key: grouping by rule is off (group_within 0s).
  const daemon = opsbookDaemon(dir, port, `server:
  log_level: warn
integrations:
  - { id: bench, kind: events, key: ${key} }
${webhookPagingYaml(receiver.url)}`);
  const trigger = (dedup: string) => post(port, '/api/events', { routing_key: key, event_action: 'trigger', dedup_key: dedup, payload: { summary: dedup, source: 'bench', severity: 'critical' } });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/_health/ready`, 60_000);
    for (let i = 0; i < 200; i += concurrency) await Promise.all(Array.from({ length: Math.min(concurrency, 200 - i) }, (_, j) => trigger(`r${i + j}`)));
    await quiet(receiver.arrivals);
    const repeats = await closedLoop(daemon.pid!, seconds * 1000, async (n) => (await trigger(`r${n % 200}`)) === 202);
    const before = receiver.arrivals.size;
    let freshSent = 0;
    const fresh = await closedLoop(daemon.pid!, seconds * 1000, async (n) => (freshSent++, await trigger(`n${n}`)) === 202);
    await quiet(receiver.arrivals, before + freshSent - fresh.failed);
    const freshDelivered = throughDelivery(daemon.pid!, fresh, receiver.arrivals);
    const delivered = receiver.arrivals.size - before;
    const cpu0 = cpuMs(daemon.pid!);
    const { lat, sent } = await latency(receiver.arrivals, (k) => trigger(k));
    return { repeats, fresh, freshDelivered, delivered, freshSent, lat, sent, latCpu: (cpuMs(daemon.pid!) - cpu0) / sent };
  } finally {
    await stop(daemon);
    await receiver.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function alertmanagerAlerts(): Promise<AlertFigures> {
  const receiver = await webhookReceiver((b) => ((b as { alerts?: Array<{ labels: Record<string, string> }> }).alerts ?? []).map((a) => a.labels.alertname ?? ''));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-alertmanager-'));
  const port = await freePort();
  fs.writeFileSync(
    path.join(dir, 'alertmanager.yml'),
    `route:
  receiver: hook
  group_by: [alertname]
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: hook
    webhook_configs:
      - url: ${receiver.url}
        send_resolved: false
`,
  );
  const am = spawnBinary(ALERTMANAGER, [`--config.file=${path.join(dir, 'alertmanager.yml')}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn']);
  const fire = (name: string) => post(port, '/api/v2/alerts', [{ labels: { alertname: name, severity: 'critical', source: 'bench' }, annotations: { summary: name } }]);
  try {
    await waitForHttp(`http://127.0.0.1:${port}/-/ready`, 30_000);
    for (let i = 0; i < 200; i += concurrency) await Promise.all(Array.from({ length: Math.min(concurrency, 200 - i) }, (_, j) => fire(`r${i + j}`)));
    await quiet(receiver.arrivals);
    const repeats = await closedLoop(am.pid!, seconds * 1000, async (n) => (await fire(`r${n % 200}`)) === 200);
    const before = receiver.arrivals.size;
    let freshSent = 0;
    const fresh = await closedLoop(am.pid!, seconds * 1000, async (n) => (freshSent++, await fire(`n${n}`)) === 200);
    await quiet(receiver.arrivals, before + freshSent - fresh.failed);
    const freshDelivered = throughDelivery(am.pid!, fresh, receiver.arrivals);
    const delivered = receiver.arrivals.size - before;
    const cpu0 = cpuMs(am.pid!);
    const { lat, sent } = await latency(receiver.arrivals, (k) => fire(k));
    return { repeats, fresh, freshDelivered, delivered, freshSent, lat, sent, latCpu: (cpuMs(am.pid!) - cpu0) / sent };
  } finally {
    await stop(am);
    await receiver.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function alerts(): Promise<void> {
  const ours = await opsbookAlerts();
  const theirs = fs.existsSync(ALERTMANAGER) && process.env.BENCH_PEER !== 'opsbook' ? await alertmanagerAlerts() : undefined;
  const fmt = (r: Rate) => `${r.rate.toFixed(0).padStart(6)}/s  ${r.cpuPerEvent.toFixed(2)} ms CPU/alert (${(r.busy * 100).toFixed(0)} % of a core; driver ${(r.driverBusy * 100).toFixed(0)} %)${r.failed ? ` (${r.failed} refused)` : ''}`;
  say(`Alert ingest, one alert per request, ${concurrency} in flight, ${seconds} s per figure; opsbook on SQLite (events API), Alertmanager 0.25 (/api/v2/alerts, group_wait: 0s)`);
  say(`  single alert, repeats of 200 firing alerts   opsbook ${fmt(ours.repeats)}   Alertmanager ${theirs ? fmt(theirs.repeats) : 'not run'}   rate ratio ${theirs ? ratio(ours.repeats.rate, theirs.repeats.rate) : 'n/a'}`);
  say(`  new incident with a page / new group         opsbook ${fmt(ours.fresh)}   Alertmanager ${theirs ? fmt(theirs.fresh) : 'not run'}   rate ratio ${theirs ? ratio(ours.fresh.rate, theirs.fresh.rate) : 'n/a'} (target ≥ 1.00×)`);
  say(`  notifications delivered for them (waited until quiet): opsbook ${ours.delivered}/${ours.freshSent}   Alertmanager ${theirs ? `${theirs.delivered}/${theirs.freshSent}` : 'n/a'}`);
  const fmtD = (d: Delivered) => `${d.rate.toFixed(0).padStart(6)}/s  ${d.cpuPerEvent.toFixed(2)} ms CPU/alert`;
  say(`  the same, until the last notification arrived  opsbook ${fmtD(ours.freshDelivered)}   Alertmanager ${theirs ? fmtD(theirs.freshDelivered) : 'not run'}   rate ratio ${theirs ? ratio(ours.freshDelivered.rate, theirs.freshDelivered.rate) : 'n/a'}`);
  const lat = (f: AlertFigures) => `p50 ${q(f.lat, 0.5).toFixed(1)} ms  p90 ${q(f.lat, 0.9).toFixed(1)} ms  p99 ${q(f.lat, 0.99).toFixed(1)} ms  max ${Math.max(...f.lat).toFixed(1)} ms (${f.lat.length}/${f.sent}), daemon CPU ${f.latCpu.toFixed(2)} ms per alert`;
  say(`Alert → webhook delivered on a quiet receiver, one new alert every 50 ms`);
  say(`  opsbook (signed webhook, outbox):  ${lat(ours)}`);
  say(`  Alertmanager (group_wait: 0s):     ${theirs ? lat(theirs) : 'not run (prometheus-alertmanager missing)'}`);
  if (theirs) say(`  p50 ratio ${ratio(q(ours.lat, 0.5), q(theirs.lat, 0.5))}   p99 ratio ${ratio(q(ours.lat, 0.99), q(theirs.lat, 0.99))} (target ≤ 2.00×)`);
  say('  leaves out: Alertmanager keeps alerts in memory (its snapshot is written every 15 min) and sends an unsigned');
  say('  webhook; opsbook commits the incident, timeline, audit entry, escalation and outbox row to SQLite before');
  say('  answering and signs the webhook. New groups/incidents deliver during the rate figure; notifications still queued');
  say('  when it closes are counted in the "until the last notification arrived" line. Under CPU contention a daemon with');
  say('  several threads (Alertmanager) is scheduled more of the machine than a one-thread event loop: see "% of a core".');
  say('  The latency run starts once every notification of the rate figure has arrived (or none for 10 s).');
}

try {
  say(`bench:peers on ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)} at start`);
  if (part !== 'alerts') await probes();
  if (part !== 'probes') await alerts();
  say(`load ${os.loadavg()[0]!.toFixed(1)} at end`);
} finally {
  agent.destroy();
}
