/**
 * `npm run bench:checks`: N HTTP checks at a 10 s interval against a loopback server (node:http,
 * keep-alive, in its own process so the figures are the scheduler's alone), run by the real
 * scheduler on the system clock with every result written to SQLite history.
 *
 * Prints checks/s, scheduling lag p50/p99, CPU ms per check (process.cpuUsage, all-in: scheduling,
 * HTTP, conditions, history writes), peak RSS, whether every check ran once within one interval, and
 * the share of runs against the (healthy) target recorded down and unknown (a timing verdict withheld
 * because opsbook's own loop was late). The target keeps Node's default 5 s keep-alive timeout, and
 * both connection modes run (`connection: new`, then `reuse`) unless --connection names one.
 * Each configuration runs in a fresh process (its own RSS, its own JIT), one after the other: both
 * connection modes, each without and with a rollup pass inside the window (the runner's
 * rollupAndRetain over one minute of every check's results, seeded before the window, as the 60 s
 * rollup job would find them). Target: 30,000 checks at 10 s (3,000/s) with lag p99 < 100 ms.
 *
 *   npm run bench:checks                                   # 10,000 checks for 25 s, 4 configurations
 *   npm run bench:checks -- --checks 30000 --interval 10s  # the one-process target
 *   npm run bench:checks -- --cpu-load 4                   # with 4 busy-loop processes beside it
 *   npm run bench:checks -- --connection reuse --rollup off
 *   npm run bench:checks -- --quick                        # 1,000 checks for 12 s, no rollup (CI-safe)
 *   npm run bench:checks -- --timeline                     # also per second: runs, lag, results, CPU, loop delay
 *   npm run bench:checks -- --step                         # 1k, 2k, 5k, 10k… until lag p99 passes 1 s
 *   npm run bench:checks -- --processes 1,2,3              # N `opsbook serve` on PostgreSQL (bench/checks-cluster.ts)
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { SystemClock } from '../src/lib/clock.js';
import { openStore } from '../src/store/open.js';
import { checkSchema } from '../src/config/schema/checks.js';
import { closeHttpAgents, compileCheck, createCheckRunner, rollupAndRetain } from '../src/checks/index.js';
import { insertResults, type HistoryKeyCache } from '../src/store/repos/check-history.js';
import { parseDuration } from '../src/lib/duration.js';
import { freePort, waitForHttp } from '../test/support/net.js';
import { spawnCpuLoad, spawnJsonServer, stop } from './support/process.js';

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const text = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
/** Per second of each window: how the start-up differs from the steady state. */
const timeline = flag('timeline');
const quick = flag('quick') || process.env.CI === 'true';
const INTERVAL_MS = parseDuration(text('interval') ?? '10s') ?? NaN;
if (!(INTERVAL_MS >= 1000)) throw new Error(`--interval must be a duration of at least 1s (got "${text('interval')}")`);
const INTERVAL_S = INTERVAL_MS / 1000;
const CHECKS = option('checks', option('n', quick ? 1000 : 10_000));
const SECONDS = option('seconds', quick ? 12 : 25);
function rollupArg(): boolean[] {
  const v = text('rollup') ?? (quick ? 'off' : 'both');
  if (v === 'both') return [false, true];
  if (v === 'on' || v === 'off') return [v === 'on'];
  throw new Error(`--rollup must be on, off or both (got "${v}")`);
}
function connectionArg(): Connection | undefined {
  const i = args.indexOf('--connection');
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v !== 'new' && v !== 'reuse') throw new Error(`--connection must be new or reuse (got "${v}")`);
  return v;
}

interface Figures {
  n: number;
  /** Runs due per second: n / interval. */
  due: number;
  /** The rollup pass inside the window, when there was one: its wall time and the rows it rolled. */
  rollup?: { ms: number; rows: number; worstLagAfterMs: number };
  seconds: number;
  checksPerSecond: number;
  lagP50: number;
  lagP99: number;
  cpuMsPerCheck: number;
  /** The kernel's share of it (system time: loopback TCP, socket set-up and close). */
  sysMsPerCheck: number;
  /** The first interval alone: every check's first run, cold JIT. */
  firstCpuMsPerCheck: number;
  /** After the first interval: warm JIT, open connections. */
  steadyCpuMsPerCheck: number;
  steadyLagP99: number;
  rssMb: number;
  allRanWithinInterval: boolean;
  results: number;
  connection: Connection;
  down: number;
  unknown: number;
  /** Why runs were down, by reason (error, else the failed conditions), most frequent first. */
  downReasons: Array<[string, number]>;
  /** Per second of the window (with --timeline): runs started, their lag p50/p99/max, results, CPU, worst loop delay. */
  timeline?: Second[];
  /** How long runner.start() took (history keys made, the plan built) from the window's start. */
  startMs: number;
}

interface Second {
  runs: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  results: number;
  cpuMs: number;
  loopDelayMaxMs: number;
  /** Median run time (planned start → result) of the results in this second. */
  runP50: number;
  /** Most runs in flight seen in this second. */
  inFlightMax: number;
  /** At the end of the second: RSS, V8 heap used and total, memory outside the heap (MB). */
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}

type Connection = 'new' | 'reuse';

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
}

/**
 * One minute of results for every check, ending more than the rollups' settle time (2 min) before
 * now: what the runner's 60 s rollup job finds to roll up when the daemon has run for a while.
 */
async function seedMinute(store: Awaited<ReturnType<typeof openStore>>, ids: string[], now: number): Promise<number> {
  const minute = Math.floor((now - 180_000) / 60_000) * 60_000;
  const cache: HistoryKeyCache = { checks: new Map(), errors: new Map() };
  let rows = 0;
  for (let at = minute; at < minute + 60_000; at += INTERVAL_MS) {
    for (let i = 0; i < ids.length; i += 10_000) {
      const batch = ids.slice(i, i + 10_000).map((checkId, k) => ({
        checkId, at: at + ((i + k) % INTERVAL_MS), down: false, level: 0 as const, latencyMs: 3, value: null, error: null,
      }));
      await insertResults(store.db, batch, now, cache);
      rows += batch.length;
    }
  }
  return rows;
}

async function runOnce(n: number, seconds: number, connection: Connection, rollup: boolean): Promise<Figures> {
  const port = await freePort();
  // Node's default keep-alive timeout: pooled connections race the server closing them when idle.
  const server = spawnJsonServer(port, '{"status":"ok"}', undefined, 5000);
  // A stopped bench takes its target with it.
  const onSignal = (): void => {
    server.kill();
    process.exit(1);
  };
  process.once('SIGTERM', onSignal);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-checks-'));
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`);
    const store = await openStore({ url: path.join(dir, 'history.db') });
    await store.migrate();
    const checks = Array.from({ length: n }, (_, i) =>
      compileCheck(
        checkSchema.parse({
          id: `bench-${i}`,
          kind: 'http',
          url: `http://127.0.0.1:${port}/health/${i}`,
          interval: `${INTERVAL_MS}ms`,
          timeout: '5s',
          connection,
          conditions: ['[STATUS] == 200', '[BODY].status == ok', '[RESPONSE_TIME] < 1000'],
        }),
      ),
    );
    const lags: number[] = [];
    /** Per second of the window: the lags of the runs that started in it. */
    const perSecond: { lags: number[]; results: number; cpuMs: number; loopDelayMaxMs: number; runMs: number[]; inFlightMax: number; memory?: NodeJS.MemoryUsage }[] = [];
    const second = (): (typeof perSecond)[number] => {
      const i = Math.max(0, Math.floor((clock.now() - startedAt) / 1000));
      while (perSecond.length <= i) perSecond.push({ lags: [], results: 0, cpuMs: 0, loopDelayMaxMs: 0, runMs: [], inFlightMax: 0 });
      return perSecond[i]!;
    };
    const firstRun = new Map<string, number>();
    let results = 0;
    let down = 0;
    let unknown = 0;
    const reasons = new Map<string, number>();
    const clock = new SystemClock();
    const runner = createCheckRunner({
      checks,
      clock,
      store,
      registry: new Registry(),
      concurrency: 512,
      onLag: (lag, c) => {
        lags.push(lag);
        if (timeline) second().lags.push(lag);
        if (!firstRun.has(c.id)) firstRun.set(c.id, clock.now());
      },
      onResult: (r) => {
        results++;
        if (timeline) {
          const s = second();
          s.results++;
          s.runMs.push(r.latencyMs);
        }
        if (r.status === 'down') {
          down++;
          const why = (r.error ?? r.conditions.filter((c) => c.list === 'conditions' && !c.ok).map((c) => c.text).join('; ')).replace(/\d+/g, 'N');
          reasons.set(why, (reasons.get(why) ?? 0) + 1);
        }
        else if (r.status === 'unknown') unknown++;
      },
    });
    const seeded = rollup ? await seedMinute(store, checks.map((c) => c.id), clock.now()) : 0;
    let rss = process.memoryUsage.rss();
    const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage.rss())), 250);
    const startedAt = clock.now();
    const cpu0 = process.cpuUsage();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    let cpuMark = cpu0;
    const perSecondTimer = timeline
      ? setInterval(() => {
          const s = second();
          const c = process.cpuUsage();
          s.cpuMs += (c.user - cpuMark.user + c.system - cpuMark.system) / 1000;
          cpuMark = c;
          s.inFlightMax = Math.max(s.inFlightMax, runner.scheduler.inFlight);
          // Once a second, late in it: the heap's figures walk the heap, too costly for every sample.
          if (!s.memory && (clock.now() - startedAt) % 1000 >= 900) s.memory = process.memoryUsage();
          s.loopDelayMaxMs = Math.max(s.loopDelayMaxMs, loopDelay.count > 0 ? loopDelay.max / 1e6 : 0);
          loopDelay.reset();
        }, 100)
      : undefined;
    if (timeline) loopDelay.enable();
    await runner.start();
    const startMs = clock.now() - startedAt;
    // The rollup pass, halfway through the window, timed; lags of runs planned during it are kept.
    let rolled: Promise<Figures['rollup']> | undefined;
    const rollupTimer = rollup
      ? setTimeout(() => {
          const t0 = performance.now();
          const from = lags.length;
          rolled = rollupAndRetain(store, clock.now()).then(async () => {
            const ms = performance.now() - t0;
            // The runs planned while it ran, and for a second after, show what it cost them.
            await new Promise((r) => setTimeout(r, 1000));
            return { ms: Math.round(ms), rows: seeded, worstLagAfterMs: lags.slice(from).reduce((a, b) => Math.max(a, b), 0) };
          });
        }, (seconds * 1000) / 2)
      : undefined;
    // Steady state: after the first interval (JIT warm, connections open), to the end.
    await new Promise((r) => setTimeout(r, INTERVAL_S * 1000));
    const cpu1 = process.cpuUsage();
    const results1 = results;
    const lagFrom = lags.length;
    await new Promise((r) => setTimeout(r, Math.max(1, seconds - INTERVAL_S) * 1000));
    const cpu = process.cpuUsage(cpu0);
    const steadyCpu = process.cpuUsage(cpu1);
    const elapsed = (clock.now() - startedAt) / 1000;
    const measured = results;
    // Shares are of the runs in the window: runs settling after it (rollup wait, stop) are not counted.
    const downInWindow = down;
    const unknownInWindow = unknown;
    const steadyResults = results - results1;
    const steadyLags = lags.slice(lagFrom).sort((a, b) => a - b);
    clearTimeout(rollupTimer);
    clearInterval(perSecondTimer);
    loopDelay.disable();
    // A pass still going at the end of the window is waited for (the figures above exclude the wait).
    const rollupFigures = rolled ? await rolled : undefined;
    await runner.stop();
    clearInterval(sampler);
    await store.close();
    closeHttpAgents();
    lags.sort((a, b) => a - b);
    // A check's first run is due within one interval of the plan's start, when runner.start() returns
    // (it first makes the history keys and prepares every check, timed apart as startMs).
    const deadline = startedAt + startMs + INTERVAL_S * 1000;
    return {
      n,
      due: Math.round(n / INTERVAL_S),
      ...(rollupFigures ? { rollup: rollupFigures } : {}),
      seconds: Math.round(elapsed),
      checksPerSecond: Math.round(measured / elapsed),
      lagP50: quantile(lags, 0.5),
      lagP99: quantile(lags, 0.99),
      cpuMsPerCheck: (cpu.user + cpu.system) / 1000 / Math.max(1, measured),
      sysMsPerCheck: cpu.system / 1000 / Math.max(1, measured),
      firstCpuMsPerCheck: (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1000 / Math.max(1, results1),
      steadyCpuMsPerCheck: (steadyCpu.user + steadyCpu.system) / 1000 / Math.max(1, steadyResults),
      steadyLagP99: quantile(steadyLags, 0.99),
      rssMb: Math.round(rss / 1e6),
      allRanWithinInterval: firstRun.size === n && [...firstRun.values()].every((t) => t <= deadline + 100),
      results: measured,
      startMs,
      connection,
      down: downInWindow,
      unknown: unknownInWindow,
      downReasons: [...reasons].sort((a, b) => b[1] - a[1]),
      ...(timeline
        ? {
            timeline: perSecond.slice(0, Math.round(elapsed)).map((s) => {
              const sorted = s.lags.sort((a, b) => a - b);
              return { runs: sorted.length, lagP50: quantile(sorted, 0.5), lagP99: quantile(sorted, 0.99), lagMax: sorted.at(-1) ?? NaN, results: s.results, cpuMs: Math.round(s.cpuMs), loopDelayMaxMs: Math.round(s.loopDelayMaxMs), runP50: Math.round(quantile(s.runMs.sort((a, b) => a - b), 0.5)), inFlightMax: s.inFlightMax,
                rssMb: Math.round((s.memory?.rss ?? NaN) / 1e6), heapUsedMb: Math.round((s.memory?.heapUsed ?? NaN) / 1e6), heapTotalMb: Math.round((s.memory?.heapTotal ?? NaN) / 1e6), externalMb: Math.round((s.memory?.external ?? NaN) / 1e6) };
            }),
          }
        : {}),
    };
  } finally {
    process.off('SIGTERM', onSignal);
    server.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function print(f: Figures): void {
  const share = (k: number) => `${((100 * k) / Math.max(1, f.results)).toFixed(2)} %`;
  console.log(
    `N=${f.n} connection: ${f.connection.padEnd(5)} rollup pass: ${f.rollup ? `${f.rollup.ms} ms over ${f.rollup.rows} seeded rows (worst lag of runs from its start to 1 s after it: ${f.rollup.worstLagAfterMs} ms)` : 'none'}\n` +
      `    ${f.checksPerSecond} checks/s of ${f.due} due (${((100 * f.checksPerSecond) / f.due).toFixed(0)} %) over ${f.seconds}s  lag p50 ${f.lagP50} ms  p99 ${f.lagP99} ms  ` +
      `CPU ${f.cpuMsPerCheck.toFixed(3)} ms/check (system ${f.sysMsPerCheck.toFixed(3)}; first interval ${f.firstCpuMsPerCheck.toFixed(3)}; steady ${f.steadyCpuMsPerCheck.toFixed(3)}, lag p99 ${f.steadyLagP99} ms)  RSS ${f.rssMb} MB  every check ran within ${INTERVAL_S}s: ${f.allRanWithinInterval ? 'yes' : 'NO'}\n` +
      `    healthy target: down ${share(f.down)}  unknown ${share(f.unknown)} of ${f.results} runs`,
  );
  for (const [why, count] of f.downReasons.slice(0, 3)) console.log(`    down ${count}×: ${why}`);
  if (f.timeline) {
    console.log(`    runner.start() took ${f.startMs} ms`);
    console.log('    second  runs  lag p50 / p99 / max ms  results  run p50 ms  in flight  CPU ms  loop delay max ms  RSS / heap used / heap total / external MB');
    f.timeline.forEach((s, i) =>
      console.log(
        `    ${String(i).padStart(6)}  ${String(s.runs).padStart(4)}  ${`${s.lagP50} / ${s.lagP99} / ${s.lagMax}`.padStart(21)}  ${String(s.results).padStart(7)}  ${String(s.runP50).padStart(10)}  ${String(s.inFlightMax).padStart(9)}  ${String(s.cpuMs).padStart(6)}  ${String(s.loopDelayMaxMs).padStart(17)}  ${s.rssMb} / ${s.heapUsedMb} / ${s.heapTotalMb} / ${s.externalMb}`,
      ),
    );
  }
}

const here = fileURLToPath(import.meta.url);

/** One configuration in a fresh process; its last stdout line is the figures. */
function child(n: number, connection: Connection, rollup: boolean): Promise<Figures | string> {
  // BENCH_CPU_PROF=DIR writes each configuration's CPU profile there (node --cpu-prof).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : [];
  const argv = [...profile, '--import', 'tsx', here, '--child', '--checks', String(n), '--seconds', String(SECONDS), '--interval', `${INTERVAL_MS}ms`, '--connection', connection, '--rollup', rollup ? 'on' : 'off', ...(timeline ? ['--timeline'] : [])];
  return new Promise((resolve) => {
    const p = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('exit', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as Figures);
      } catch {
        resolve(err.trim().split('\n').at(-1) ?? 'no output');
      }
    });
  });
}

const processes = text('processes');
if (processes !== undefined) {
  const ns = processes.split(',').map(Number);
  if (ns.length === 0 || !ns.every((k) => Number.isInteger(k) && k >= 1 && k <= 8)) throw new Error(`--processes must be a number of processes 1–8, or a list such as 1,2,3 (got "${processes}")`);
  const { runClusterBench } = await import('./checks-cluster.js');
  process.exit(await runClusterBench({ processes: ns, checks: option('checks', option('n', quick ? 1000 : 4000)), intervalMs: text('interval') ? INTERVAL_MS : 1000, seconds: option('seconds', quick ? 15 : 30) }));
} else if (flag('child')) {
  console.log(JSON.stringify(await runOnce(CHECKS, SECONDS, connectionArg() ?? 'new', rollupArg()[0] ?? false)));
} else if (flag('step')) {
  for (const n of [1000, 2000, 5000, 10_000, 15_000, 20_000, 30_000, 40_000, 80_000]) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', here, '--child', '--checks', String(n), '--seconds', String(SECONDS), '--interval', `${INTERVAL_MS}ms`, '--rollup', 'off', '--connection', connectionArg() ?? 'new'], { encoding: 'utf8' });
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    let f: Figures;
    try {
      f = JSON.parse(line) as Figures;
    } catch {
      console.error(`N=${n}: no figures (${r.stderr.trim().split('\n').at(-1)})`);
      break;
    }
    print(f);
    if (f.lagP99 > 1000) {
      console.log(`lag p99 passes 1 s at N=${n}`);
      break;
    }
  }
} else {
  const cpuLoad = option('cpu-load', 0);
  const load = spawnCpuLoad(cpuLoad);
  try {
    console.log(`${CHECKS} HTTP checks every ${INTERVAL_S}s, ${os.cpus().length} cores, ${cpuLoad} busy-loop processes beside (load ${os.loadavg()[0]!.toFixed(1)}), ${SECONDS}s per configuration, each in a fresh process`);
    for (const connection of connectionArg() ? [connectionArg()!] : (['new', 'reuse'] as const)) {
      for (const rollup of rollupArg()) {
        const f = await child(CHECKS, connection, rollup);
        if (typeof f === 'string') console.log(`N=${CHECKS} connection: ${connection} rollup: ${rollup}: no figures (${f})`);
        else print(f);
      }
    }
    console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await Promise.all(load.map((p) => stop(p)));
  }
}
