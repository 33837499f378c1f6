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
 * Targets: 10,000 checks (1,000/s), lag p99 < 100 ms, ≤ 0.5 ms CPU per check, RSS < 300 MB.
 *
 *   npm run bench:checks                    # N=10000 for 25 s, both connection modes
 *   npm run bench:checks -- --cpu-load 4    # with 4 busy-loop processes beside it
 *   npm run bench:checks -- --connection reuse
 *   npm run bench:checks -- --quick         # N=1000 for 12 s (CI-safe)
 *   npm run bench:checks -- --n 5000 --seconds 30
 *   npm run bench:checks -- --step          # 1k, 2k, 5k, 10k, 20k, 40k… until lag p99 passes 1 s
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { SystemClock } from '../src/lib/clock.js';
import { openStore } from '../src/store/open.js';
import { checkSchema } from '../src/config/schema/checks.js';
import { closeHttpAgents, compileCheck, createCheckRunner } from '../src/checks/index.js';
import { freePort, waitForHttp } from '../test/support/net.js';
import { spawnCpuLoad, spawnJsonServer, stop } from './support/process.js';

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const quick = flag('quick') || process.env.CI === 'true';
const INTERVAL_S = 10;
function connectionArg(): Connection | undefined {
  const i = args.indexOf('--connection');
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v !== 'new' && v !== 'reuse') throw new Error(`--connection must be new or reuse (got "${v}")`);
  return v;
}

interface Figures {
  n: number;
  seconds: number;
  checksPerSecond: number;
  lagP50: number;
  lagP99: number;
  cpuMsPerCheck: number;
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
}

type Connection = 'new' | 'reuse';

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN;
}

async function runOnce(n: number, seconds: number, connection: Connection): Promise<Figures> {
  const port = await freePort();
  // Node's default keep-alive timeout: pooled connections race the server closing them when idle.
  const server = spawnJsonServer(port, '{"status":"ok"}', undefined, 5000);
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
          interval: `${INTERVAL_S}s`,
          timeout: '5s',
          connection,
          conditions: ['[STATUS] == 200', '[BODY].status == ok', '[RESPONSE_TIME] < 1000'],
        }),
      ),
    );
    const lags: number[] = [];
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
        if (!firstRun.has(c.id)) firstRun.set(c.id, clock.now());
      },
      onResult: (r) => {
        results++;
        if (r.status === 'down') {
          down++;
          const why = (r.error ?? r.conditions.filter((c) => c.list === 'conditions' && !c.ok).map((c) => c.text).join('; ')).replace(/\d+/g, 'N');
          reasons.set(why, (reasons.get(why) ?? 0) + 1);
        }
        else if (r.status === 'unknown') unknown++;
      },
    });
    let rss = process.memoryUsage().rss;
    const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 250);
    const startedAt = clock.now();
    const cpu0 = process.cpuUsage();
    await runner.start();
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
    const steadyResults = results - results1;
    const steadyLags = lags.slice(lagFrom).sort((a, b) => a - b);
    await runner.stop();
    clearInterval(sampler);
    await store.close();
    closeHttpAgents();
    lags.sort((a, b) => a - b);
    const deadline = startedAt + INTERVAL_S * 1000;
    return {
      n,
      seconds: Math.round(elapsed),
      checksPerSecond: Math.round(measured / elapsed),
      lagP50: quantile(lags, 0.5),
      lagP99: quantile(lags, 0.99),
      cpuMsPerCheck: (cpu.user + cpu.system) / 1000 / Math.max(1, measured),
      steadyCpuMsPerCheck: (steadyCpu.user + steadyCpu.system) / 1000 / Math.max(1, steadyResults),
      steadyLagP99: quantile(steadyLags, 0.99),
      rssMb: Math.round(rss / 1e6),
      allRanWithinInterval: firstRun.size === n && [...firstRun.values()].every((t) => t <= deadline + 100),
      results: measured,
      connection,
      down,
      unknown,
      downReasons: [...reasons].sort((a, b) => b[1] - a[1]),
    };
  } finally {
    server.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function print(f: Figures): void {
  const share = (k: number) => `${((100 * k) / Math.max(1, f.results)).toFixed(2)} %`;
  console.log(
    `N=${f.n} connection: ${f.connection}  down ${share(f.down)}  unknown ${share(f.unknown)} of ${f.results} runs (healthy target)  ${f.checksPerSecond} checks/s over ${f.seconds}s  lag p50 ${f.lagP50} ms  p99 ${f.lagP99} ms  ` +
      `CPU ${f.cpuMsPerCheck.toFixed(3)} ms/check (steady ${f.steadyCpuMsPerCheck.toFixed(3)}, lag p99 ${f.steadyLagP99} ms)  RSS ${f.rssMb} MB  every check ran within ${INTERVAL_S}s: ${f.allRanWithinInterval ? 'yes' : 'NO'}`,
  );
  for (const [why, count] of f.downReasons.slice(0, 3)) console.log(`    down ${count}×: ${why}`);
}

if (flag('child')) {
  // One measurement in a fresh process, for --step.
  console.log(JSON.stringify(await runOnce(option('n', 1000), option('seconds', 25), connectionArg() ?? 'new')));
} else if (flag('step')) {
  const here = fileURLToPath(import.meta.url);
  const seconds = option('seconds', 25);
  for (const n of [1000, 2000, 5000, 10_000, 15_000, 20_000, 30_000, 40_000, 80_000]) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', here, '--child', '--n', String(n), '--seconds', String(seconds), '--connection', connectionArg() ?? 'new'], { encoding: 'utf8' });
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
  const n = option('n', quick ? 1000 : 10_000);
  const cpuLoad = option('cpu-load', 0);
  const load = spawnCpuLoad(cpuLoad);
  try {
    console.log(`${n} HTTP checks every ${INTERVAL_S}s, ${os.cpus().length} cores, ${cpuLoad} busy-loop processes beside (load ${os.loadavg()[0]!.toFixed(1)})`);
    for (const connection of connectionArg() ? [connectionArg()!] : (['new', 'reuse'] as const)) {
      print(await runOnce(n, option('seconds', quick ? 12 : 25), connection));
    }
  } finally {
    await Promise.all(load.map((p) => stop(p)));
  }
}
