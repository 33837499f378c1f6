import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import type { GameDayResult } from './result.js';
import { runGameDay, type GameDayOptions } from './runner.js';
import { loadGameDaySpec, type GameDaySpec } from './spec.js';

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
}

export interface Part {
  system: number;
  dir: string;
  scenarios: string[];
  drills: boolean;
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
  const { parts, perSystem } = planParts(specs, dirs, options);

  const results = new Map<Part, GameDayResult | Error>();
  const spans = specs.map(() => ({ start: Number.POSITIVE_INFINITY, end: 0 }));
  // Building a world (a stand-in compiled and started, Celery's Python, a database) is the heaviest
  // moment: only a few at once, the next one starting when one is through its baseline.
  const building = new Gate(options.buildsAtOnce ?? 2);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < parts.length) {
      const part = parts[next++]!;
      const span = spans[part.system]!;
      const built = await building.enter();
      span.start = Math.min(span.start, performance.now());
      const { jobs: _jobs, scenariosPerWorld: _per, only: _only, drills: _drills, buildsAtOnce: _builds, ...rest } = options;
      const onEvent: GameDayOptions['onEvent'] = (e) => {
        if (e.kind === 'baseline') built();
        options.onEvent?.(e);
      };
      let teardown = 0;
      const result = await runGameDay(part.dir, { ...rest, onEvent, onTeardown: (s) => (teardown = s), part: { scenarios: part.scenarios, drills: part.drills } }).catch((e: unknown) => e as Error);
      if (!(result instanceof Error)) result.timings.teardown = teardown;
      results.set(part, result);
      built();
      span.end = performance.now();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs, parts.length)) }, worker));

  return specs.flatMap((spec, i): Array<GameDayResult | Error> => {
    if (spec instanceof Error) return [spec];
    // Nothing of this system was asked for (a --scenario of another system).
    if (perSystem[i]!.length === 0) return [];
    const done = perSystem[i]!.map((p) => [p, results.get(p)!] as const);
    const broken = done.find(([, r]) => r instanceof Error);
    if (broken) return [new Error(`${spec.system} (${broken[0].drills ? 'drills' : broken[0].scenarios.join(', ')}): ${(broken[1] as Error).message}`)];
    return [merge(done.map(([, r]) => r as GameDayResult), spec.scenarios.map((s) => s.id), (spans[i]!.end - spans[i]!.start) / 1000)];
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
 * whose fault is on the stand-in's socket alone, the others `scenariosPerWorld` to a world; in the
 * order they start, round robin over the systems so each makes progress and long queues start early.
 */
export function planParts(specs: ReadonlyArray<GameDaySpec | Error>, dirs: readonly string[], options: Pick<GameDaysOptions, 'scenariosPerWorld' | 'only' | 'drills'>): { parts: Part[]; perSystem: Part[][] } {
  const perSystem: Part[][] = specs.map((spec, i) => {
    if (spec instanceof Error) return [];
    const chosen = spec.scenarios.filter((s) => !options.only || options.only.includes(s.id));
    const mine: Part[] = [];
    if (options.drills !== false) mine.push({ system: i, dir: dirs[i]!, scenarios: [], drills: true });
    // A fault on the socket in front of the stand-in fails every check that goes through it: the
    // incidents it leaves behind would take in the next scenario's alert, so it has a world of its own.
    for (const s of chosen.filter((c) => 'http' in c.inject)) mine.push({ system: i, dir: dirs[i]!, scenarios: [s.id], drills: false });
    const ids = chosen.filter((c) => !('http' in c.inject)).map((c) => c.id);
    for (let k = 0; k < ids.length; k += options.scenariosPerWorld) mine.push({ system: i, dir: dirs[i]!, scenarios: ids.slice(k, k + options.scenariosPerWorld), drills: false });
    return mine;
  });
  const parts: Part[] = [];
  for (let k = 0; perSystem.some((p) => p.length > k); k++) for (const p of perSystem) if (p[k]) parts.push(p[k]!);
  return { parts, perSystem };
}

/** One system's result from its parts: scenarios in the spec's order, the drills' part's drills and recovery tests. */
function merge(parts: GameDayResult[], order: string[], seconds: number): GameDayResult {
  const first = parts[0]!;
  const timings: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.timings)) timings[k] = (timings[k] ?? 0) + v;
  return {
    ...first,
    baseline: parts.flatMap((p) => p.baseline),
    scenarios: parts.flatMap((p) => p.scenarios).sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id)),
    drills: parts.flatMap((p) => p.drills),
    recoveries: parts.flatMap((p) => p.recoveries),
    timings,
    passed: parts.reduce((n, p) => n + p.passed, 0),
    failed: parts.reduce((n, p) => n + p.failed, 0),
    rejectedWebhooks: parts.flatMap((p) => p.rejectedWebhooks),
    seconds: parts.length > 0 ? seconds : 0,
    worlds: parts.length,
  };
}
