import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { registerHeartbeat } from '../checks/index.js';
import { Daemon, createLogger } from '../daemon/index.js';
import { ExecutionService, storeIncidentLink } from '../executions/index.js';
import { buildServer } from '../http/index.js';
import { SimulatedClock, SystemClock } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';
import { maintenanceDrill, silenceDrill } from './drills.js';
import { batchWindowMs, Driver, MINUTE } from './driver.js';
import { recoveryTests } from './recovery.js';
import { formatRecovery } from './report.js';
import type { DrillResult, GameDayEvent, GameDayResult, ScenarioResult } from './result.js';
import { runScenario } from './scenario.js';
import { declaredWindows, startClearOfWindows } from './start-time.js';
import { DEFAULT_PG_ADMIN_URL } from './services.js';
import { loadGameDaySpec } from './spec.js';
import { withWorldTools } from './tools/index.js';
import { buildWorld, type WorldOptions } from './world.js';

/** A healthy world stays quiet this long before any fault. */
const BASELINE_MS = 2 * MINUTE;
/**
 * The daemon's check results are written once a simulated minute, not once a simulated second: the
 * writer's 1 s is a cost bound meant for real time, and on a clock running far ahead of it each
 * second was a transaction of its own (and a timer step), about 400 a world, for a history no verdict
 * of a game day reads (pages, incidents and their timeline are written as they happen). Likewise the
 * history's rollups and retention run every 15 simulated minutes instead of every one.
 */
const HISTORY_FLUSH_MS = MINUTE;
const HISTORY_ROLLUP_MS = 15 * MINUTE;

export interface GameDayOptions extends Omit<WorldOptions, 'faults'> {
  onEvent?: (event: GameDayEvent) => void;
  /**
   * One part of the game day in its own world (see parts.ts): only these scenarios, and the drills
   * and recovery tests only when `drills` is set. Default: every scenario, then the drills.
   */
  part?: { scenarios: readonly string[]; drills: boolean };
  /** The wall-clock instant simulated time starts from (default: now); see start-time.ts. */
  now?: number;
  /** Told the real seconds the world took to stop (after the result is made). */
  onTeardown?: (seconds: number) => void;
  /** A directory to keep each scenario's post-incident review in (created if missing); by default a review is checked and goes with its world. */
  reviewsDir?: string;
}

/**
 * `opsbook gameday DIR`: builds the system's stand-in world, runs the real daemon with DIR/ops.yaml
 * (and its HTTP routes) on a simulated clock — real probes, real deliveries — then for each scenario
 * of DIR/gameday.yaml rehearses the whole response (see scenario.ts), and per system a maintenance
 * window, a silence and its recovery tests.
 */
export async function runGameDay(dir: string, options: GameDayOptions = {}): Promise<GameDayResult> {
  const started = performance.now();
  const systemDir = resolve(dir);
  const spec = await loadGameDaySpec(systemDir);
  const emit = (e: GameDayEvent): void => options.onEvent?.(e);
  // Simulated time starts near the wall clock (certificates and backups carry real dates), clear of the system's maintenance windows.
  const clock = new SimulatedClock(startClearOfWindows(await declaredWindows(systemDir), options.now ?? new SystemClock().now()));
  emit({ kind: 'world', system: spec.system, text: `building the ${spec.system} world (database, redis-server, stand-in${spec.tls ? ', certificates' : ''}, webhook receiver; opsbook's store on ${options.store === 'postgres' ? 'PostgreSQL' : 'SQLite'})` });
  const part = options.part;
  const toRun = spec.scenarios.filter((s) => !part || part.scenarios.includes(s.id));
  const drilled = !part || part.drills ? [spec.maintenance.scenario, spec.silence.scenario] : [];
  // The world is built for the faults it will put in (the proxies only some of them act through).
  const faults = [...toRun, ...spec.scenarios.filter((s) => drilled.includes(s.id))].map((s) => s.inject);
  const world = await buildWorld(spec, systemDir, clock, { ...options, faults });
  let daemon: Daemon | undefined;
  let app: FastifyInstance | undefined;
  let driver: Driver | undefined;
  const timings: Record<string, number> = { world: (performance.now() - started) / 1000 };
  const lap = (name: string, since: number): void => {
    timings[name] = (timings[name] ?? 0) + (performance.now() - since) / 1000;
  };
  try {
    const env = { ...process.env, ...world.env };
    let t = performance.now();
    // As `opsbook serve` does: the HTTP routes bound first (a free loopback port), so the links
    // pages carry name the port taken, then the pipeline.
    // Check results written once a simulated minute, rolled up every 15 (DaemonOptions.historyFlushMs, historyRollupMs): no verdict reads them.
    daemon = await Daemon.start({
      configPath: join(systemDir, 'ops.yaml'), clock, env, logger: createLogger({ level: 'silent', pretty: false }), operations: 'deferred', server: { host: '127.0.0.1', port: 0 },
      historyFlushMs: HISTORY_FLUSH_MS, historyRollupMs: HISTORY_ROLLUP_MS,
    });
    app = buildServer(daemon);
    await app.listen({ host: '127.0.0.1', port: 0 });
    daemon.setServerOverrides({ host: '127.0.0.1', port: (app.server.address() as AddressInfo).port });
    await daemon.startOperations();
    const ops = daemon.operations!;
    // The backup jobs report to their heartbeat checks' URLs on the daemon's real route.
    await world.backupJobs?.start(async (checkId) => {
      const check = daemon!.config.checks.find((c) => c.id === checkId);
      if (check?.kind !== 'heartbeat') throw new OpsbookError('OPSBOOK_E_GAMEDAY_INVALID', `backup_jobs: "${checkId}" is not a heartbeat check of ${spec.system}'s ops.yaml`);
      return `http://127.0.0.1:${(app!.server.address() as AddressInfo).port}/api/heartbeats/${await registerHeartbeat(daemon!.store, checkId, clock.now())}`;
    });
    // Runbook steps run with the world's tools (kubectl, systemctl …) first on their PATH.
    const executions = new ExecutionService({
      store: daemon.store,
      clock,
      config: withWorldTools(daemon.config, world.tools),
      baseDir: systemDir,
      runbooks: daemon.runbooks,
      incidents: storeIncidentLink(daemon.store),
      env,
      dataDir: world.dataDir,
    });
    lap('daemon', t);
    // Opt-in until measured on a quiet machine: under heavy load, probes fired together took no
    // less wall time than one by one, and real-latency verdicts (RESPONSE_TIME, opsbook's overload) moved.
    const batchMs = process.env.OPSBOOK_GAMEDAY_BATCH_TIMERS === '1' ? batchWindowMs(daemon.config) : 0;
    if (process.env.OPSBOOK_GAMEDAY_DEBUG) process.stderr.write(`${spec.system}: timers within ${batchMs} ms fire together\n`);
    driver = new Driver(clock, ops, () => world.receiver.received.length, batchMs, () => world.traffic?.idle() ?? Promise.resolve());
    t = performance.now();
    await driver.pass(BASELINE_MS);
    const baseline = await driver.describeOpen();
    lap('baseline', t);
    emit({ kind: 'baseline', system: spec.system, text: baseline.length === 0 ? 'healthy world: no incident before any fault' : `not quiet before any fault: ${baseline.join('; ')}` });
    // A mend's shell finds the world's tools as the steps do.
    const ctx = { world, driver, ops, store: daemon.store, config: daemon.config, executions, env: { ...world.env, ...world.tools.env }, emit, ...(options.reviewsDir !== undefined ? { reviewsDir: options.reviewsDir } : {}) };
    const scenarios: ScenarioResult[] = [];
    t = performance.now();
    for (const scenario of toRun) {
      emit({ kind: 'scenario', system: spec.system, scenario: scenario.id, text: `${scenario.title}` });
      const result = await runScenario(spec, scenario, ctx);
      scenarios.push(result);
      emit({ kind: 'scenario-done', system: spec.system, scenario: scenario.id, text: result.passed ? `passed in ${result.seconds.toFixed(1)} s` : `FAILED: ${result.failures.join('; ')}`, passed: result.passed });
    }
    lap('scenarios', t);
    for (const s of scenarios) for (const [k, v] of Object.entries(s.phases ?? {})) timings[`scenario: ${k}`] = (timings[`scenario: ${k}`] ?? 0) + v;
    t = performance.now();
    const drills: DrillResult[] = [];
    for (const [run, drill] of part && !part.drills ? [] : ([[maintenanceDrill, spec.maintenance], [silenceDrill, spec.silence]] as const)) {
      const d = await run(spec, drill, ctx);
      drills.push(d);
      emit({ kind: 'drill', system: spec.system, text: `${d.passed ? '✔' : '✘'} ${d.kind}: ${d.passed ? d.text : d.failures.join('; ')}`, passed: d.passed });
    }
    lap('drills', t);
    t = performance.now();
    const recoveries = part && !part.drills ? [] : await recoveryTests(spec, world, driver, daemon.config, options.pgAdminUrl ?? DEFAULT_PG_ADMIN_URL);
    lap('recovery', t);
    for (const r of recoveries) emit({ kind: 'drill', system: spec.system, text: `${r.passed ? '✔' : '✘'} recovery test: ${formatRecovery(r)}`, passed: r.passed });
    const passed = scenarios.filter((s) => s.passed).length;
    const failedParts = drills.filter((d) => !d.passed).length + recoveries.filter((r) => !r.passed).length + (baseline.length > 0 ? 1 : 0);
    return {
      system: spec.system,
      seed: spec.seed,
      dir: systemDir,
      // The dialect the daemon actually opened, not the option asked for.
      store: daemon.store.dialect,
      baseline,
      scenarios,
      drills,
      recoveries,
      timings: { ...timings, ...prefixed(world.laps.seconds, 'world: '), ...prefixed(driver.laps.seconds, 'driver: ') },
      passed,
      failed: scenarios.length - passed + failedParts,
      rejectedWebhooks: [...world.receiver.rejected],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    const t = performance.now();
    driver?.close();
    await app?.close();
    await daemon?.close();
    await world.close();
    options.onTeardown?.((performance.now() - t) / 1000);
  }
}

function prefixed(seconds: Record<string, number>, prefix: string): Record<string, number> {
  return Object.fromEntries(Object.entries(seconds).map(([k, v]) => [`${prefix}${k}`, v]));
}
