import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { describeFault, isStandIn } from './faults/index.js';
import type { GameDayResult, ScenarioResult, WorldFailure } from './result.js';
import { runGameDay, type GameDayOptions } from './runner.js';
import { DEFAULT_PG_ADMIN_URL } from './services.js';
import { holdStoreTemplate } from './store-template.js';
import { expectedSeconds, longestFirst, type RecordedSeconds } from './schedule.js';
import { loadGameDaySpec, type GameDaySpec } from './spec.js';
import type { GameDayStore } from './world.js';

export interface GameDaysOptions extends Omit<GameDayOptions, 'part'> {
  /** How many worlds run at once (each its own database, redis-server, stand-in, daemon and clock). */
  jobs: number;
  /** Scenarios one world runs one after the other. */
  scenariosPerWorld: number;
  /** Only these scenario ids (every one when absent); the drills and recovery test run only when `drills` is not false. */
  only?: readonly string[];
  drills?: boolean;
  /** Worlds being built at once (a world is built until its baseline is done); default 2. */
  buildsAtOnce?: number;
  /** Seconds parts took at earlier runs (schedule.ts): the longest start first. */
  recorded?: RecordedSeconds;
  /** Told each part's real seconds (its world built, run and stopped) when it ran to the end. */
  onPartDone?: (done: { system: string; part: Part; seconds: number }) => void;
  /**
   * The scenarios spread over both stores in one run (`store` is then not read): the one at
   * position p of its spec on SQLite when p + split is even, else on PostgreSQL; the drills of the
   * system at position i of the run on SQLite when i + split is even. Every scenario and drill runs
   * once, on one store; with the other `split`, on the other.
   */
  split?: 0 | 1;
}

export interface Part {
  system: number;
  dir: string;
  scenarios: string[];
  drills: boolean;
  /** The store of opsbook under test in this part's world. */
  store: GameDayStore;
}

/** The store a scenario runs on when the run is split (GameDaysOptions.split). */
export function splitStore(position: number, split: 0 | 1): GameDayStore {
  return (position + split) % 2 === 0 ? 'sqlite' : 'postgres';
}

/**
 * Several systems' game days, each cut into parts that run in worlds of their own: the scenarios
 * `scenariosPerWorld` to a world (one by default: no scenario sees what another left behind, nor a
 * world older than its own run — an hourly heartbeat no world sends pages after an hour), the
 * maintenance window, silence and recovery test in another. Results come back per system in the
 * spec's order whatever order the parts finished in.
 * Most of a game day's real time is waiting on loopback I/O (probes, deliveries, Celery's reply
 * window), so worlds side by side share the machine well.
 */
export async function runGameDays(dirs: readonly string[], options: GameDaysOptions): Promise<Array<GameDayResult | Error>> {
  const specs = await Promise.all(dirs.map(async (d) => loadGameDaySpec(resolve(d)).catch((e: unknown) => e as Error)));
  const { parts, groups } = planParts(specs, dirs, { ...options, store: options.store ?? 'sqlite' });

  const results = new Map<Part, GameDayResult | Error>();
  const spans = new Map(groups.map((g) => [g, { start: Number.POSITIVE_INFINITY, end: 0 }]));
  const groupOf = new Map(groups.flatMap((g) => g.parts.map((p) => [p, g] as const)));
  // Building a world (a stand-in compiled and started, Celery's Python, a database) is the heaviest
  // moment: only a few at once, the next one starting when one is through its baseline.
  const building = new Gate(options.buildsAtOnce ?? 2);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < parts.length) {
      const part = parts[next++]!;
      const span = spans.get(groupOf.get(part)!)!;
      const built = await building.enter();
      const partStart = performance.now();
      span.start = Math.min(span.start, partStart);
      const { jobs: _jobs, scenariosPerWorld: _per, only: _only, drills: _drills, buildsAtOnce: _builds, recorded: _recorded, split: _split, onPartDone, ...rest } = options;
      const onEvent: GameDayOptions['onEvent'] = (e) => {
        if (e.kind === 'baseline') built();
        options.onEvent?.(e);
      };
      let teardown = 0;
      const result = await runGameDay(part.dir, { ...rest, store: part.store, onEvent, onTeardown: (s) => (teardown = s), part: { scenarios: part.scenarios, drills: part.drills } }).catch((e: unknown) => e as Error);
      if (!(result instanceof Error)) result.timings.teardown = teardown;
      results.set(part, result);
      built();
      span.end = performance.now();
      const spec = specs[part.system];
      if (!(result instanceof Error) && !(spec instanceof Error) && spec) onPartDone?.({ system: spec.system, part, seconds: (span.end - partStart) / 1000 });
    }
  };
  // opsbook's store on PostgreSQL: the migrated template every world's store is copied from stays for the whole run.
  const releaseTemplate = parts.some((p) => p.store === 'postgres') ? holdStoreTemplate(options.pgAdminUrl ?? DEFAULT_PG_ADMIN_URL) : undefined;
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs, parts.length)) }, worker));
  } finally {
    await releaseTemplate?.().catch(() => {});
  }

  return specs.flatMap((spec, i): Array<GameDayResult | Error> => {
    if (spec instanceof Error) return [spec];
    // Nothing of this system was asked for (a --scenario of another system): no group.
    return groups.filter((g) => g.system === i).map((g) => {
      const span = spans.get(g)!;
      return systemResult(spec, dirs[i]!, g.store, g.parts.map((p) => ({ part: p, result: results.get(p)! })), (span.end - span.start) / 1000);
    });
  });
}

/** At most `size` holders at once; `enter` resolves to the function that leaves (idempotent). */
class Gate {
  private held = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async enter(): Promise<() => void> {
    if (this.held >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    else this.held++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const wake = this.waiting.shift();
      if (wake) wake();
      else this.held--;
    };
  }
}

/**
 * How the game days are cut: per system its drills' part (unless `drills: false`), each scenario
 * whose fault is on the stand-in's socket alone, the others `scenariosPerWorld` to a world. They
 * start longest first (schedule.ts: the seconds recorded at the last run, else the spec's estimate),
 * so no long world starts late and ends the run alone; equal ones round robin over the systems.
 */
export function planParts(
  specs: ReadonlyArray<GameDaySpec | Error>,
  dirs: readonly string[],
  options: Pick<GameDaysOptions, 'scenariosPerWorld' | 'only' | 'drills' | 'recorded' | 'split'> & { store?: GameDayStore },
): { parts: Part[]; perSystem: Part[][]; groups: PartGroup[]; expected: Map<Part, { seconds: number; source: 'recorded' | 'estimated' }> } {
  const stores: GameDayStore[] = options.split === undefined ? [options.store ?? 'sqlite'] : ['sqlite', 'postgres'];
  const groups: PartGroup[] = [];
  const perSystem: Part[][] = specs.map((spec, i) => {
    if (spec instanceof Error) return [];
    const mine: Part[] = [];
    for (const store of stores) {
      const chosen = spec.scenarios.filter((s, at) => (!options.only || options.only.includes(s.id)) && (options.split === undefined || splitStore(at, options.split) === store));
      const parts: Part[] = [];
      const part = (scenarios: string[], drills: boolean): Part => ({ system: i, dir: dirs[i]!, scenarios, drills, store });
      if (options.drills !== false && (options.split === undefined || splitStore(i, options.split) === store)) parts.push(part([], true));
      // A fault on the socket in front of the stand-in fails every check that goes through it: the
      // incidents it leaves behind would take in the next scenario's alert, so it has a world of its own.
      for (const s of chosen.filter((c) => 'http' in c.inject)) parts.push(part([s.id], false));
      const ids = chosen.filter((c) => !('http' in c.inject)).map((c) => c.id);
      for (let k = 0; k < ids.length; k += options.scenariosPerWorld) parts.push(part(ids.slice(k, k + options.scenariosPerWorld), false));
      if (parts.length > 0) groups.push({ system: i, store, parts });
      mine.push(...parts);
    }
    return mine;
  });
  const roundRobin: Part[] = [];
  for (let k = 0; perSystem.some((p) => p.length > k); k++) for (const p of perSystem) if (p[k]) roundRobin.push(p[k]!);
  const expected = new Map(roundRobin.map((p) => [p, expectedSeconds(specs[p.system] as GameDaySpec, p, p.store, options.recorded)] as const));
  return { parts: longestFirst(roundRobin, (p) => expected.get(p)!.seconds), perSystem, groups, expected };
}

/** One system's parts on one store: reported as one result. */
export interface PartGroup {
  system: number;
  store: GameDayStore;
  parts: Part[];
}

/** How a part is named in a report: its scenarios, or "drills". */
export function partName(part: Pick<Part, 'scenarios' | 'drills'>): string {
  return part.drills ? ['drills', ...part.scenarios].join(', ') : part.scenarios.join(', ');
}

/**
 * One system's result from its parts, each a world's result or the error its world ended with:
 * scenarios in the spec's order, the drills' part's drills and recovery tests. A world that failed
 * (its build, its daemon) fails its own scenarios, each with the world's error, and is counted
 * once more as a world failure; the other worlds' results stay as they ran.
 */
export function systemResult(spec: GameDaySpec, dir: string, store: GameDayResult['store'], done: ReadonlyArray<{ part: Pick<Part, 'scenarios' | 'drills'>; result: GameDayResult | Error }>, seconds: number): GameDayResult {
  const ran = done.flatMap(({ result }) => (result instanceof Error ? [] : [result]));
  const broken = done.flatMap(({ part, result }) => (result instanceof Error ? [{ part, error: result }] : []));
  const order = spec.scenarios.map((s) => s.id);
  const worldFailures: WorldFailure[] = broken.map(({ part, error }) => ({ part: partName(part), error: error.message }));
  const unrun: ScenarioResult[] = broken.flatMap(({ part, error }) =>
    part.scenarios.map((id) => {
      const s = spec.scenarios.find((x) => x.id === id);
      return {
        id,
        title: s?.title ?? id,
        passed: false,
        failures: [`its world failed: ${error.message}`],
        seconds: 0,
        expected: { alert: s?.expect.alert ?? '', severity: s?.expect.severity ?? '', severitySource: s?.expect.severity_source ?? '', runbook: s?.expect.runbook ?? '' },
        fault: { text: s ? describeFault(s.inject) : '', standIn: s ? isStandIn(s.inject) : false },
        negativeControl: { ran: false, held: false, text: 'not reached: its world failed' },
      };
    }),
  );
  const timings: Record<string, number> = {};
  for (const p of ran) for (const [k, v] of Object.entries(p.timings)) timings[k] = (timings[k] ?? 0) + v;
  const scenarios = [...ran.flatMap((p) => p.scenarios), ...unrun].sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  return {
    system: spec.system,
    seed: spec.seed,
    dir: ran[0]?.dir ?? resolve(dir),
    store: ran[0]?.store ?? store,
    baseline: ran.flatMap((p) => p.baseline),
    scenarios,
    drills: ran.flatMap((p) => p.drills),
    recoveries: ran.flatMap((p) => p.recoveries),
    timings,
    passed: ran.reduce((n, p) => n + p.passed, 0),
    // A broken world fails its scenarios, and once more itself (a drills' part has no scenario to fail).
    failed: ran.reduce((n, p) => n + p.failed, 0) + unrun.length + broken.length,
    rejectedWebhooks: ran.flatMap((p) => p.rejectedWebhooks),
    seconds: done.length > 0 ? seconds : 0,
    worlds: done.length,
    ...(worldFailures.length > 0 ? { worldFailures } : {}),
  };
}
