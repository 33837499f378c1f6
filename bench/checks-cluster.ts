/**
 * `npm run bench:checks -- --processes 1,2,3`: for each N, N `opsbook serve` processes (the compiled
 * dist/, as `npm run chaos` starts them) on a fresh PostgreSQL database share one set of HTTP checks
 * against a loopback target in this process (node:http, keep-alive; each URL names the process that
 * probed it). Once every check has run and every process probes its share, a window of `--seconds`
 * measures: total checks/s (probes the target answered), and per process its checks/s and CPU ms per
 * check (utime + stime from /proc/<pid>/stat over the window, all-in: scheduling, HTTP, conditions,
 * history writes to PostgreSQL, lease rounds). Also printed: the CPU the database's server processes
 * for this database spent per check (the backends in pg_stat_activity, from /proc), the machine's
 * busy share over the window (/proc/stat), the target's own CPU (this process), and the share of stored results that were not `up`.
 *
 *   npm run bench:checks -- --processes 1,2,3                # 4,000 checks every 1 s, 30 s window each
 *   npm run bench:checks -- --processes 2 --checks 6000 --seconds 60
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { createTestDatabase, postgresUp } from '../test/support/services.js';
import { startMember, stopMember, type ClusterMemberProcess } from '../test/support/cluster.js';
import { REPO_ROOT } from '../test/support/cli.js';
import { openStore, type Store } from '../src/store/index.js';

export interface ClusterBenchOptions {
  processes: number[];
  checks: number;
  intervalMs: number;
  seconds: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const TICK_MS = 1000 / 100; // USER_HZ: 100 on Linux, in which /proc reports CPU time

/** utime + stime of a process in ms, or undefined when it is gone. */
function cpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** The machine's busy and total jiffies (/proc/stat, all cores). */
function machine(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - (f[4] ?? 0), total };
}

/** CPU ms of every server process working for `datname` now, by pid. */
async function backends(store: Store, datname: string): Promise<Map<number, number>> {
  const rows = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = ${datname} and pid <> pg_backend_pid()`.execute(store.db);
  const out = new Map<number, number>();
  for (const { pid } of rows.rows) {
    const ms = cpuMs(pid);
    if (ms !== undefined) out.set(pid, ms);
  }
  return out;
}

interface Target {
  port: number;
  total: number;
  byNode: Map<string, number>;
  seen: Set<string>;
  close(): Promise<void>;
}

async function startTarget(): Promise<Target> {
  const t: Target = { port: 0, total: 0, byNode: new Map(), seen: new Set(), close: async () => {} };
  const server = http.createServer((req, res) => {
    const [, node = '?', check = ''] = (req.url ?? '').split('/');
    t.total++;
    t.byNode.set(node, (t.byNode.get(node) ?? 0) + 1);
    t.seen.add(check);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.port = (server.address() as AddressInfo).port;
  t.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return t;
}

function configYaml(dbUrl: string, dir: string, port: number, o: ClusterBenchOptions, partitions: number): string {
  const checks = Array.from(
    { length: o.checks },
    (_, i) => `  - { id: b${i}, kind: http, url: "http://127.0.0.1:${port}/\${OPSBOOK_NODE}/b${i}", interval: ${o.intervalMs}ms, timeout: 5s, conditions: ["[STATUS] == 200", "[BODY].status == ok"] }`,
  );
  // A long lease: a saturated process's late lease round must not hand its checks over mid-window.
  return `storage:\n  url: "${dbUrl}"\n  data_dir: "${dir}/data"\n  cluster: { lease: 30s, partitions: ${partitions} }\nchecks:\n${checks.join('\n')}\n`;
}

export interface ClusterFigures {
  processes: number;
  seconds: number;
  checksPerSecond: number;
  due: number;
  perProcess: Array<{ node: string; checksPerSecond: number; cpuMsPerCheck: number; cpuShare: number }>;
  postgresCpuMsPerCheck: number;
  /** The target (this process): share of a core. */
  targetCpuShare: number;
  machineBusy: number;
  notUp: number;
  stored: number;
}

async function runN(n: number, o: ClusterBenchOptions): Promise<ClusterFigures> {
  const db = await createTestDatabase('opsbook_bench_checks');
  const datname = new URL(db.url).pathname.slice(1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-cluster-'));
  const target = await startTarget();
  const store = await openStore({ url: db.url, poolSize: 2 });
  const members: ClusterMemberProcess[] = [];
  try {
    await store.migrate();
    const config = path.join(dir, 'ops.yaml');
    fs.writeFileSync(config, configYaml(db.url, dir, target.port, o, 12));
    const nodes = Array.from({ length: n }, (_, i) => String.fromCharCode(97 + i));
    members.push(...(await Promise.all(nodes.map((node) => startMember(config, node)))));
    // Every check ran once, and every process probes its share (leases balanced) for 3 s in a row.
    const bound = Date.now() + 180_000;
    let balancedSince = 0;
    let last = new Map<string, number>();
    while (Date.now() < bound) {
      await sleep(500);
      const now = new Map(target.byNode);
      const all = nodes.every((node) => (now.get(node) ?? 0) > (last.get(node) ?? 0));
      last = now;
      if (target.seen.size >= o.checks && all) {
        balancedSince ||= Date.now();
        if (Date.now() - balancedSince >= 3000) break;
      } else balancedSince = 0;
    }
    if (target.seen.size < o.checks) throw new Error(`only ${target.seen.size} of ${o.checks} checks ran within 3 minutes of the start`);
    const results0 = await storedResults(store);
    const probes0 = new Map(target.byNode);
    const total0 = target.total;
    const cpu0 = members.map((m) => cpuMs(m.child.pid!) ?? 0);
    const pg0 = await backends(store, datname);
    const m0 = machine();
    const self0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(o.seconds * 1000);
    const elapsed = (performance.now() - t0) / 1000;
    const m1 = machine();
    const self = process.cpuUsage(self0);
    const cpu1 = members.map((m) => cpuMs(m.child.pid!) ?? 0);
    const pg1 = await backends(store, datname);
    const total = target.total - total0;
    const results1 = await storedResults(store);
    let pgMs = 0;
    for (const [pid, ms] of pg1) pgMs += ms - (pg0.get(pid) ?? ms);
    const perProcess = members.map((m, i) => {
      const ran = (target.byNode.get(m.name) ?? 0) - (probes0.get(m.name) ?? 0);
      const ms = cpu1[i]! - cpu0[i]!;
      return { node: m.name, checksPerSecond: Math.round(ran / elapsed), cpuMsPerCheck: ms / Math.max(1, ran), cpuShare: ms / 1000 / elapsed };
    });
    const stored = results1.all - results0.all;
    return {
      processes: n,
      seconds: Math.round(elapsed),
      checksPerSecond: Math.round(total / elapsed),
      due: Math.round(o.checks / (o.intervalMs / 1000)),
      perProcess,
      postgresCpuMsPerCheck: pgMs / Math.max(1, total),
      targetCpuShare: (self.user + self.system) / 1000 / 1000 / elapsed,
      machineBusy: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total),
      notUp: stored > 0 ? (results1.notUp - results0.notUp) / stored : 0,
      stored,
    };
  } finally {
    await Promise.all(members.map((m) => stopMember(m).catch(() => undefined)));
    await store.close();
    await target.close();
    await db.drop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function storedResults(store: Store): Promise<{ all: number; notUp: number }> {
  const r = await sql<{ all: string; not_up: string }>`select count(*) as all, count(*) filter (where state <> 0) as not_up from check_results`.execute(store.db);
  return { all: Number(r.rows[0]?.all ?? 0), notUp: Number(r.rows[0]?.not_up ?? 0) };
}

export async function runClusterBench(o: ClusterBenchOptions): Promise<number> {
  if (!(await postgresUp())) {
    console.error('bench:checks --processes needs PostgreSQL on 127.0.0.1:5432 (see docs/cluster.md)');
    return 2;
  }
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist'))) {
    console.error('dist/ is missing: run `npm run build` first (--processes starts the compiled opsbook).');
    return 2;
  }
  console.log(
    `${o.checks} HTTP checks every ${o.intervalMs / 1000}s (${Math.round(o.checks / (o.intervalMs / 1000))}/s due) shared by N opsbook serve processes on one PostgreSQL, ` +
      `${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}, ${o.seconds}s window after every check ran`,
  );
  const all: ClusterFigures[] = [];
  for (const n of o.processes) {
    try {
      const f = await runN(n, o);
      all.push(f);
      console.log(
        `N=${f.processes}: ${f.checksPerSecond} checks/s of ${f.due} due (${((100 * f.checksPerSecond) / f.due).toFixed(0)} %) over ${f.seconds}s  ` +
          `machine busy ${(100 * f.machineBusy).toFixed(0)} %  target ${(100 * f.targetCpuShare).toFixed(0)} % of a core  PostgreSQL ${f.postgresCpuMsPerCheck.toFixed(3)} ms CPU/check  not up ${(100 * f.notUp).toFixed(2)} % of ${f.stored} stored`,
      );
      for (const p of f.perProcess) console.log(`    process ${p.node}: ${p.checksPerSecond} checks/s  CPU ${p.cpuMsPerCheck.toFixed(3)} ms/check  (${(100 * p.cpuShare).toFixed(0)} % of a core)`);
    } catch (e) {
      console.log(`N=${n}: no figures (${(e as Error).message.split('\n')[0]})`);
    }
  }
  const one = all.find((f) => f.processes === 1);
  if (one) for (const f of all) if (f !== one) console.log(`N=${f.processes} / N=1: ${(f.checksPerSecond / Math.max(1, one.checksPerSecond)).toFixed(2)}× checks/s`);
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  return all.length === o.processes.length ? 0 : 1;
}
