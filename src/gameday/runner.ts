import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Daemon, createLogger } from '../daemon/index.js';
import type { Operations } from '../daemon/operations/index.js';
import { ExecutionService, loadConfiguredRunbooks, storeIncidentLink } from '../executions/index.js';
import { OPEN_STATES, type Incident, type IncidentAlert } from '../incidents/index.js';
import { SimulatedClock, SystemClock } from '../lib/clock.js';
import { changesRun, runDiagnosis } from './diagnosis.js';
import { checkDiagnosis } from './expectations.js';
import { applyFault, describeFault } from './faults/index.js';
import type { GameDayEvent, GameDayResult, ScenarioResult } from './result.js';
import { loadGameDaySpec, type GameDaySpec, type Scenario } from './spec.js';
import { buildWorld, type World, type WorldOptions } from './world.js';

const MINUTE = 60_000;
/** Simulated time moves in steps of this much; probes and deliveries land between steps. */
const STEP_MS = 15_000;
/** Real time given to in-flight probes and deliveries after each step. */
const SETTLE_MS = 40;
/** Real time a step waits for probes in flight (loopback peers answer in milliseconds). */
const PROBE_WAIT_MS = 2_000;
/** A healthy world stays quiet this long before any fault. */
const BASELINE_MS = 4 * MINUTE;

export interface GameDayOptions extends WorldOptions {
  onEvent?: (event: GameDayEvent) => void;
}

/**
 * `opsbook gameday DIR`: builds the system's stand-in world, runs the real daemon with DIR/ops.yaml on a
 * simulated clock (real probes, real deliveries), then for each scenario of DIR/gameday.yaml injects
 * the fault and checks what the runbook says should happen.
 */
export async function runGameDay(dir: string, options: GameDayOptions = {}): Promise<GameDayResult> {
  const started = performance.now();
  const systemDir = resolve(dir);
  const spec = await loadGameDaySpec(systemDir);
  const emit = (e: GameDayEvent): void => options.onEvent?.(e);
  // Simulated time starts at the wall clock's minute: certificates and backups carry real dates.
  const clock = new SimulatedClock(Math.floor(new SystemClock().now() / MINUTE) * MINUTE);
  emit({ kind: 'world', system: spec.system, text: `building the ${spec.system} world (database, redis-server, stand-in${spec.tls ? ', certificates' : ''}, webhook receiver; opsbook's store on ${options.store === 'postgres' ? 'PostgreSQL' : 'SQLite'})` });
  const world = await buildWorld(spec, systemDir, clock, options);
  let daemon: Daemon | undefined;
  try {
    const env = { ...process.env, ...world.env };
    daemon = await Daemon.start({ configPath: join(systemDir, 'ops.yaml'), clock, env, logger: createLogger({ level: 'silent', pretty: false }) });
    const ops = daemon.operations!;
    const executions = new ExecutionService({
      store: daemon.store,
      clock,
      config: daemon.config,
      baseDir: systemDir,
      runbooks: await loadConfiguredRunbooks(daemon.config, systemDir),
      incidents: storeIncidentLink(daemon.store),
      env,
      dataDir: world.dataDir,
    });
    const driver = new Driver(clock, ops);
    const baseline = await driver.baseline();
    emit({ kind: 'baseline', system: spec.system, text: baseline.length === 0 ? 'healthy world: no incident before any fault' : `not quiet before any fault: ${baseline.join('; ')}` });
    const scenarios: ScenarioResult[] = [];
    for (const scenario of spec.scenarios) {
      emit({ kind: 'scenario', system: spec.system, scenario: scenario.id, text: `${scenario.title}` });
      const result = await runScenario(spec, scenario, { world, driver, ops, executions, emit });
      scenarios.push(result);
      emit({ kind: 'scenario-done', system: spec.system, scenario: scenario.id, text: result.passed ? `passed in ${result.seconds.toFixed(1)} s` : `FAILED: ${result.failures.join('; ')}`, passed: result.passed });
    }
    const passed = scenarios.filter((s) => s.passed).length;
    return {
      system: spec.system,
      seed: spec.seed,
      dir: systemDir,
      // The dialect the daemon actually opened, not the option asked for.
      store: daemon.store.dialect,
      baseline,
      scenarios,
      passed,
      failed: scenarios.length - passed + (baseline.length > 0 ? 1 : 0),
      rejectedWebhooks: [...world.receiver.rejected],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await daemon?.close();
    await world.close();
  }
}

interface ScenarioContext {
  world: World;
  driver: Driver;
  ops: Operations;
  executions: ExecutionService;
  emit: (e: GameDayEvent) => void;
}

async function runScenario(spec: GameDaySpec, scenario: Scenario, ctx: ScenarioContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const { world, driver, ops, executions } = ctx;
  const expect = scenario.expect;
  const failures: string[] = [];
  const step = (text: string): void => ctx.emit({ kind: 'step', system: spec.system, scenario: scenario.id, text });
  const result: ScenarioResult = {
    id: scenario.id,
    title: scenario.title,
    passed: false,
    failures,
    seconds: 0,
    expected: { alert: expect.alert, severity: expect.severity, severitySource: expect.severity_source, runbook: expect.runbook },
  };
  const limit = expect.within_minutes * MINUTE;
  let faultOn = true;
  await applyFault(world, scenario.inject, true);
  step(`fault on: ${describeFault(scenario.inject)}`);
  try {
    const found = await driver.until(limit, () => driver.incidentWith(expect.alert));
    if (!found) {
      failures.push(`alert ${expect.alert} did not fire within ${expect.within_minutes} simulated minutes${await driver.openSummary()}`);
      return result;
    }
    const { incident, alert } = found;
    result.incident = { id: incident.id, title: incident.title, severity: incident.severity, ...(incident.runbook ? { runbook: incident.runbook } : {}) };
    result.alert = { rule: alert.ruleId, severity: alert.severity, ...(alert.runbook ? { runbook: alert.runbook } : {}) };
    step(`alert ${alert.ruleId} fired → incident ${incident.id} ${incident.severity} "${incident.title}"`);
    if (incident.severity !== expect.severity) {
      const alerts = (await ops.incidents.alerts(incident.id)).map((a) => `${a.ruleId} ${a.severity} ${a.state}`);
      failures.push(`incident severity ${incident.severity}, expected ${expect.severity} (${expect.severity_source}); its alerts: ${alerts.join(', ')}`);
    }
    if (!sameProcedure(alert.runbook, expect.runbook)) failures.push(`alert links ${alert.runbook ?? 'no procedure'}, expected ${expect.runbook}`);
    // An alert may join an incident another alert of the same service opened (grouping): the
    // incident then carries both alerts, each with its own procedure, and the responder runs the
    // procedure of the alert in question.
    const linked = [incident.runbook, ...(await ops.incidents.alerts(incident.id)).map((a) => a.runbook)];
    if (!linked.some((r) => sameProcedure(r, expect.runbook))) failures.push(`incident links ${incident.runbook ?? 'no procedure'}, expected ${expect.runbook}`);

    const diagnosis = await runDiagnosis(executions, alert.runbook ?? incident.runbook ?? expect.runbook, incident.id, expect.phases);
    result.diagnosis = { executionId: diagnosis.executionId, procedure: diagnosis.procedure, commands: diagnosis.commands };
    const counts = (o: string): number => diagnosis.commands.filter((c) => c.outcome === o).length;
    step(`runbook ${diagnosis.procedure}: ${counts('ok')} read ran, ${counts('failed')} failed, ${counts('not_runnable')} not runnable here, ${counts('left:shell') + counts('left:change')} left for a person`);
    failures.push(...checkDiagnosis(expect, diagnosis.commands));
    for (const e of changesRun(diagnosis.transcript)) failures.push(`a ${e.effect} command ran: ${e.text}`);

    const page = await driver.until(5 * MINUTE, () => world.receiver.received.find((r) => r.incidentId === incident.id && r.type === 'incident.triggered'));
    if (page) {
      result.notification = { path: page.path, type: page.type, id: page.id };
      step(`signed ${page.type} verified at ${page.path}`);
    } else failures.push(`no signed incident.triggered notification for ${incident.id} reached the receiver`);

    faultOn = false;
    await applyFault(world, scenario.inject, false);
    step('fault off');
    const faultOffAt = driver.now();
    const resolved = await driver.until(limit, async () => ((await ops.incidents.get(incident.id)).state === 'resolved' ? true : undefined));
    if (!resolved) {
      failures.push(`incident ${incident.id} did not resolve within ${expect.within_minutes} simulated minutes of the fault's removal${await driver.openSummary()}`);
      return result;
    }
    result.resolvedAfterMinutes = Math.round(((driver.now() - faultOffAt) / MINUTE) * 10) / 10;
    step(`incident resolved ${result.resolvedAfterMinutes} simulated min after the fault was removed`);
    const resolvedNote = await driver.until(5 * MINUTE, () => world.receiver.received.find((r) => r.incidentId === incident.id && r.type === 'incident.resolved'));
    if (!resolvedNote) failures.push(`no signed incident.resolved notification for ${incident.id}`);
    // Whatever else the fault set off must settle too, so the next scenario starts from a quiet world.
    if (!(await driver.until(limit, async () => ((await driver.openIncidents()).length === 0 ? true : undefined)))) {
      failures.push(`incidents still open after the fault's removal${await driver.openSummary()}`);
    }
    return result;
  } finally {
    // Mend the world even after a failed expectation, so later scenarios are not polluted.
    if (faultOn) await applyFault(world, scenario.inject, false).catch(() => {});
    result.passed = failures.length === 0;
    result.seconds = (performance.now() - t0) / 1000;
  }
}

/** FILE#ID references name the same procedure when their ids match (case-insensitively) and one file ends the other. */
function sameProcedure(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const [fa, ia] = a.split('#');
  const [fb, ib] = b.split('#');
  return ia!.toLowerCase() === ib!.toLowerCase() && (fa!.endsWith(fb!) || fb!.endsWith(fa!));
}

/** Moves simulated time and reads the pipeline's state. */
class Driver {
  constructor(
    private readonly clock: SimulatedClock,
    private readonly ops: Operations,
  ) {}

  now(): number {
    return this.clock.now();
  }

  async tick(): Promise<void> {
    // A probe still talking to its peer when the clock jumps past its timeout would time out on
    // simulated time: a failure of the game day, not of the system. After every timer, probes in
    // flight get to finish (loopback peers answer in milliseconds) before time moves on.
    const settle = (): Promise<void> => this.ops.settle(PROBE_WAIT_MS);
    await settle();
    await this.clock.advance(STEP_MS, settle);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    await this.ops.idle();
  }

  /** Steps time until `probe` gives a value, or `maxMs` of simulated time has passed. */
  async until<T>(maxMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T | undefined> {
    for (let waited = 0; ; waited += STEP_MS) {
      const v = await probe();
      if (v !== undefined) return v;
      if (waited >= maxMs) return undefined;
      await this.tick();
    }
  }

  async baseline(): Promise<string[]> {
    for (let t = 0; t < BASELINE_MS; t += STEP_MS) await this.tick();
    const open = await this.openIncidents();
    const out: string[] = [];
    for (const i of open) out.push(`incident ${i.id} ${i.severity} "${i.title}" (${(await this.ops.incidents.alerts(i.id)).map((a) => a.ruleId).join(', ')})`);
    return out;
  }

  openIncidents(): Promise<Incident[]> {
    return this.ops.incidents.list({ state: OPEN_STATES, limit: 100 });
  }

  async incidentWith(ruleId: string): Promise<{ incident: Incident; alert: IncidentAlert } | undefined> {
    for (const incident of await this.openIncidents()) {
      const alert = (await this.ops.incidents.alerts(incident.id)).find((a) => a.ruleId === ruleId && a.state === 'firing');
      if (alert) return { incident, alert };
    }
    return undefined;
  }

  async openSummary(): Promise<string> {
    const open = await this.openIncidents();
    if (open.length === 0) return ' (no incident open)';
    const parts: string[] = [];
    for (const i of open) {
      const alerts = await this.ops.incidents.alerts(i.id);
      parts.push(`${i.id} ${i.severity}: ${alerts.map((a) => `${a.ruleId} ${a.state}`).join(', ')}`);
    }
    return ` (open: ${parts.join('; ')})`;
  }
}
