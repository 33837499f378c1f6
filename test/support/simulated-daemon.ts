/**
 * A daemon on a simulated clock, over a store target (SQLite or PostgreSQL), for tests that drive
 * its pipeline by advancing the clock.
 */
import { afterAll, beforeAll } from 'vitest';
import { scaled } from './timing.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import type { Daemon } from '../../src/daemon/index.js';
import { startDaemonApp, type DaemonApp } from './daemon-app.js';
import type { StoreTarget } from './store-targets.js';

export type Operations = NonNullable<Daemon['operations']>;

/** The current minute: where a simulated clock starts. */
export function minuteNow(): number {
  return Math.floor(Date.now() / 60_000) * 60_000;
}

export interface ClockRunner {
  settle(maxMs?: number): Promise<void>;
  /** Advances the clock `ms`, settling the pipeline between timers and after. */
  runFor(ms: number): Promise<void>;
  /** Advances the clock to `at`, settling the pipeline between timers and after. */
  runTo(at: number): Promise<void>;
}

/**
 * Runs `clock` forward, settling the pipeline `ops()` answers between its timers and after: waiting for
 * the probes in flight up to `maxMs` (5 s by default) of a quiet machine, scaled to the load here, so a
 * probe a loaded machine makes slow is still waited for rather than left running past the next step.
 */
export function clockRunner(clock: SimulatedClock, ops: () => Operations): ClockRunner {
  const runner: ClockRunner = {
    settle: (maxMs = 5_000) => ops().settle(scaled(maxMs)),
    async runFor(ms) {
      await runner.runTo(clock.now() + ms);
    },
    async runTo(at) {
      await clock.advanceTo(at, () => runner.settle());
      await runner.settle();
    },
  };
  return runner;
}

export interface SimulatedDaemon extends ClockRunner {
  readonly clock: SimulatedClock;
  /** Where the clock started: the minute the suite was set up. */
  readonly t0: number;
  /** The database's URL (with a target). */
  readonly url: string;
  readonly server: DaemonApp;
  ops(): Operations;
}

/**
 * Registers the suite's hooks: before its tests, `target`'s database opened and the daemon started
 * over `config(url, t0)` (its ops.yaml; without a target, `url` is undefined and the daemon keeps
 * its store in its folder), its clock at t0; after them the daemon closed and the database removed.
 */
export function simulatedDaemon(target: StoreTarget, prefix: string, config: (url: string, t0: number) => string): SimulatedDaemon;
export function simulatedDaemon(target: undefined, prefix: string, config: (url: undefined, t0: number) => string): SimulatedDaemon;
export function simulatedDaemon(target: StoreTarget | undefined, prefix: string, config: (url: never, t0: number) => string): SimulatedDaemon {
  const t0 = minuteNow();
  const clock = new SimulatedClock(t0);
  let opened: { url: string; cleanup: () => Promise<void> } | undefined;
  let server: DaemonApp | undefined;
  const ops = () => server!.daemon.operations!;
  const harness: SimulatedDaemon = {
    clock,
    t0,
    get url() {
      return opened!.url;
    },
    get server() {
      return server!;
    },
    ops,
    ...clockRunner(clock, ops),
  };

  beforeAll(async () => {
    opened = await target?.open();
    server = await startDaemonApp(prefix, { 'ops.yaml': (config as (url: string | undefined, t0: number) => string)(opened?.url, t0) }, { clock });
  }, scaled(60_000));

  afterAll(async () => {
    await server?.close();
    await opened?.cleanup();
  }, scaled(60_000));

  return harness;
}

/**
 * An opsbook daemon in-process over `config` (its ops.yaml), on a simulated clock of its own from `at`;
 * closed by the caller's `cleanups`. `probeFor` moves the clock on waiting for the probes only, so a
 * held pipeline (Operations.holdPipeline) stays behind.
 */
export async function daemonOnClock(name: string, config: string, at: number, cleanups: Array<() => Promise<unknown>>) {
  const clock = new SimulatedClock(at);
  const app: DaemonApp = await startDaemonApp(name, { 'ops.yaml': config }, { clock });
  cleanups.push(() => app.close());
  const ops = (): Operations => app.daemon.operations!;
  return {
    app,
    clock,
    ops,
    runFor: clockRunner(clock, ops).runFor,
    probeFor: (ms: number) => clock.advance(ms, () => ops().probesSettled(scaled(5_000))),
  };
}
