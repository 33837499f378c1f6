import type { Registry } from 'prom-client';
import { eachInChunks } from '../lib/chunks.js';
import type { Clock } from '../lib/clock.js';
import type { Store } from '../store/index.js';
import type { CheckConfig } from '../config/schema/checks.js';
import { compileCheck, type CompiledCheck } from './compile.js';
import { releaseCheckState, runCheckOnce } from './run-once.js';
import { ProbeState, type ProbeSnapshot } from './probe-state.js';
import { CheckScheduler, STOPPED, type LastRun } from './scheduler/scheduler.js';
import { createCheckMetrics } from './scheduler/metrics.js';
import { HistoryWriter, heartbeatReader, registerHeartbeat, rollupAndRetain, type RetentionOptions } from './history/index.js';
import type { CheckLevel, CheckResult, StoredCheckState } from './types.js';
import { loopDelayMonitor } from './loop-delay.js';
import { DEFAULT_LOOP_DELAY_BOUND_MS } from './overload.js';
import type { SampleStore } from '../samples/index.js';
import type { AdmitResults, RecentResult, SettledProbe } from '../store/repos/check-history.js';
import type { LeaseToken } from '../store/repos/cluster.js';

export interface CheckRunnerOptions {
  /** Validated `checks:` entries, or checks already compiled. */
  checks: readonly (CheckConfig | CompiledCheck)[];
  clock: Clock;
  /** When given, every result is stored (batched), rolled up and pruned, and heartbeats work. */
  store?: Store;
  /** Where metrics checks append what they scrape (the daemon's sample store). */
  samples?: SampleStore;
  /** Registry for the check metrics; none are registered without it. */
  registry?: Registry;
  logger?: { warn(obj: unknown, msg?: string): void };
  /**
   * Every result, with the check's settled probe state after it. With `settledAfterRules`,
   * `rulesSaw` comes with each result that made the settled state worse: call it once the rules
   * have evaluated the result (or never will here: its lease passed on).
   */
  onResult?: (result: CheckResult, probe: ProbeSnapshot, changed: boolean, rulesSaw?: () => Promise<void>) => void;
  /**
   * The checks that start (a start, an add) from a stored settled state worse than ok/up, each with
   * when its newest stored result was planned: called before their first runs are planned, so what
   * it queues comes before their first results. The rules may never have seen that state (the
   * process that stored it stopped before they did). With `settledAfterRules`, call `rulesSaw` with
   * each once the rules have caught up with it.
   */
  onStoredState?: (states: StoredCheckState[], rulesSaw: (state: StoredCheckState) => Promise<void>) => void;
  /**
   * The stored settled state of a check gets better only once the rules have seen it worse (they
   * acknowledge through `rulesSaw`, see onResult and onStoredState): until then a better one is held
   * back, and written by the history's first write after. The process that runs the check next
   * (after a kill, a lease move) then finds it worse than ok and pages what these rules never saw.
   * The promise `rulesSaw` answers resolves once that write is done.
   */
  settledAfterRules?: boolean;
  /** Most checks in flight at once (default 256). */
  concurrency?: number;
  retention?: RetentionOptions;
  /** How often (on `clock`) stored results are written, in one transaction (default 1 s). */
  historyFlushMs?: number;
  /** How often rollups and retention run (default 1 min). */
  rollupEveryMs?: number;
  /** Each run's scheduling lag in ms (the bench reads it). */
  onLag?: (lagMs: number, check: CompiledCheck) => void;
  /**
   * opsbook's own event-loop delay (ms) past which a run's timing-dependent `down` (a timeout, a
   * RESPONSE_TIME/TTFB condition) is reported `unknown` instead (default 100).
   */
  loopDelayBoundMs?: number;
  /** Fencing for the history: which of a batch's results may be written (several processes on one PostgreSQL). */
  admitResults?: AdmitResults;
  /** The lease a check's results are written under, asked as each result comes (see admitResults). */
  leaseOf?: (checkId: string) => LeaseToken | undefined;
}

export interface CheckRunner {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Adds checks while it runs (those of a partition this process gained, or new in a reload): each is prepared, its
   * heartbeat registered and history key made, then planned at its phase. A check removed, or a
   * runner stopped, before that is done is not planned. `takenOver` (the checks of a partition
   * gained from another process): when each last ran is read from the store, and one whose last
   * run is an interval old or older runs at once (see CheckScheduler.add).
   */
  add(checks: readonly (CheckConfig | CompiledCheck)[], opts?: { takenOver?: boolean }): Promise<void>;
  /**
   * Removes checks (those of a partition whose lease passed on, or gone in a reload): planned no more, runs in flight
   * aborted at once. Resolves once their runs have settled.
   */
  remove(ids: readonly string[]): Promise<void>;
  /**
   * Replaces running checks with new definitions of the same ids (a reload changed them): each old
   * one is removed as by `remove`, the new one added as by `add`, and it keeps the old one's settled
   * probe state and streaks, so a check settled `down` stays down (its incident open) rather than
   * starting over at `unknown`. What its runs reused (connections, a session) is built afresh.
   */
  replace(checks: readonly (CheckConfig | CompiledCheck)[]): Promise<void>;
  /** The definition of each check it runs, by id: a reload compares it with the new one. */
  definitions(): Map<string, CheckConfig>;
  /** Settled probe state of a check. */
  probe(checkId: string): ProbeSnapshot | undefined;
  /** Writes the history buffered (settled states released by `rulesSaw` after a stop among it); resolves once written or refused. */
  flushHistory(): Promise<void>;
  readonly scheduler: CheckScheduler<CompiledCheck>;
}

const LEVELS = ['ok', 'warning', 'critical'] as const satisfies readonly CheckLevel[];

function isCompiled(c: CheckConfig | CompiledCheck): c is CompiledCheck {
  return typeof (c as CompiledCheck).impl === 'object' && (c as CompiledCheck).config !== undefined;
}

/** Checks prepared between two yields to the event loop. */
const PREPARE_CHUNK = 1000;

/**
 * Lets each check's kind build what its runs reuse (CheckKind.prepare), a chunk of checks at a time,
 * yielding between chunks: with every check due once within the first interval, a first run that
 * also builds its request costs more than a later one, and tens of thousands of them make the first
 * interval the busiest of all.
 */
function prepareChecks(checks: readonly CompiledCheck[]): Promise<void> {
  return eachInChunks(0, checks.length, PREPARE_CHUNK, (i) => checks[i]!.impl.prepare?.(checks[i]!.config));
}

/** Wires compiled checks to the scheduler, probe states, history and metrics. */
export function createCheckRunner(opts: CheckRunnerOptions): CheckRunner {
  const compile = (c: CheckConfig | CompiledCheck): CompiledCheck => (isCompiled(c) ? c : compileCheck(c));
  /** The checks it runs, by id, each with its probe state and what its runs reuse. */
  const running = new Map<string, { check: CompiledCheck; probe: ProbeState; state: Record<string, unknown> }>();
  const track = (c: CompiledCheck) => {
    const entry = { check: c, probe: new ProbeState({ failureThreshold: c.failureThreshold, successThreshold: c.successThreshold }), state: {} };
    running.set(c.id, entry);
    return entry;
  };
  const initial = opts.checks.map(compile);
  for (const c of initial) track(c);
  const metrics = opts.registry ? createCheckMetrics(opts.registry) : undefined;
  const history = opts.store
    ? new HistoryWriter({
        store: opts.store,
        clock: opts.clock,
        onError: (e) => opts.logger?.warn({ err: e }, 'check history write failed'),
        ...(opts.historyFlushMs !== undefined ? { flushEveryMs: opts.historyFlushMs } : {}),
        ...(opts.admitResults ? { admit: opts.admitResults } : {}),
      })
    : undefined;
  const heartbeats = opts.store ? heartbeatReader(opts.store) : undefined;
  let cancelRollup: (() => void) | undefined;
  const loopDelay = { monitor: loopDelayMonitor(), boundMs: opts.loopDelayBoundMs ?? DEFAULT_LOOP_DELAY_BOUND_MS };
  let monitoring = false;
  // Counter children per kind: labels are hashed once, not on every run.
  const byKind = new Map<string, { runs: { inc(): void }; failures: { inc(): void } }>();
  const metricsOf = (kind: string, m: NonNullable<typeof metrics>) => {
    let c = byKind.get(kind);
    if (!c) {
      c = { runs: m.runs.labels({ kind }), failures: m.failures.labels({ kind }) };
      byKind.set(kind, c);
    }
    return c;
  };

  const scheduler = new CheckScheduler<CompiledCheck>(initial, {
    clock: opts.clock,
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(metrics ? { metrics } : {}),
    ...(opts.onLag ? { onLag: opts.onLag } : {}),
    run: async (check, plannedAt, signal, abort) => {
      const own = running.get(check.id)!;
      const result = await runCheckOnce(check, { clock: opts.clock, heartbeats, samples: opts.samples, loopDelay, at: plannedAt, abort, state: own.state });
      // Stopped mid-run: not a result about the service (a timeout aborts the same signal, with its own reason).
      if (signal.aborted && signal.reason === STOPPED) return;
      if (metrics) {
        const m = metricsOf(check.kind, metrics);
        m.runs.inc();
        if (result.status === 'down') m.failures.inc();
      }
      const changed = own.probe.observe(result);
      // Told when the rules have seen a worse state: a better one is held back until then (see settledAfterRules).
      const worse = changed && opts.settledAfterRules === true && history !== undefined && own.probe.worsened;
      history?.record(result, opts.leaseOf?.(check.id), changed ? own.probe.settled : undefined, worse);
      opts.onResult?.(result, own.probe.snapshot, changed, worse ? () => history!.rulesSaw(check.id, result.at) : undefined);
    },
  });

  /**
   * Each check starts from the settled state stored by the process that ran it before (a restart, a
   * lease move): a check settled down stays down, and its open incident is not resolved by the first
   * run after, then opened again `failure_threshold` runs later.
   */
  const restoreSettled = async (checks: readonly CompiledCheck[]): Promise<Map<string, SettledProbe>> => {
    const worse = new Map<string, SettledProbe>();
    if (!history) return worse;
    const stored = await history.settled(checks.map((c) => c.id)).catch((e: unknown) => {
      opts.logger?.warn({ err: e }, 'settled check states could not be read; those checks start unknown');
      return new Map<string, SettledProbe>();
    });
    // The failure streak an earlier process had begun: at most failure_threshold - 1 results each.
    const recent = await history.recent(new Map(checks.filter((c) => c.failureThreshold > 1 && stored.has(c.id)).map((c) => [c.id, c.failureThreshold - 1]))).catch((e: unknown) => {
      opts.logger?.warn({ err: e }, 'the checks\' newest results could not be read; their failure streaks start at zero');
      return new Map<string, RecentResult[]>();
    });
    for (const c of checks) {
      const s = stored.get(c.id);
      if (s && running.get(c.id)?.probe.restore(s, recent.get(c.id)) && (s.down === true || s.level > 0)) worse.set(c.id, s);
    }
    return worse;
  };

  /**
   * The stored states of the checks restored worse than ok/up (see onStoredState), at the planned time
   * of their newest stored result (`lastRuns`, when read already). A check with no stored result left
   * (pruned) has no time to give it, and is left to its own runs.
   */
  const storedStates = async (worse: ReadonlyMap<string, SettledProbe>, lastRuns: ReadonlyMap<string, LastRun> | undefined): Promise<StoredCheckState[]> => {
    if (worse.size === 0 || !opts.onStoredState) return [];
    const runs = lastRuns ?? (await lastRunsOf([...worse.keys()]));
    // What the failure observed, for the responder; the catch-up does not wait on it when it cannot be read.
    const failures = await history?.failures([...worse.keys()]).catch((e: unknown) => {
      opts.logger?.warn({ err: e }, 'what the stored failures observed could not be read; their alerts fire without it');
      return undefined;
    });
    return [...worse].flatMap(([checkId, s]) => {
      const last = runs?.get(checkId);
      if (!last?.ran) return [];
      const observed = failures?.get(checkId);
      return [{ checkId, at: last.at, ...(s.down !== null ? { status: s.down ? ('down' as const) : ('up' as const) } : {}), level: LEVELS[s.level], ...(observed ? { observed } : {}) }];
    });
  };

  /**
   * When each of these checks last ran, as far as the store knows (their history keys made first,
   * by `prepare`). Unread, they are planned at their phase.
   */
  const lastRunsOf = async (ids: readonly string[]): Promise<Map<string, LastRun> | undefined> =>
    history?.lastRuns(ids).catch((e: unknown) => {
      opts.logger?.warn({ err: e }, 'when the checks last ran could not be read; those taken over start at their phase, and a stored failure is left to their own runs');
      return undefined;
    });

  /**
   * What a check needs before its first run: its heartbeat, its history key, its stored settled
   * state, what its kind builds. Answers those restored worse than ok/up.
   */
  const prepare = async (checks: readonly CompiledCheck[]): Promise<Map<string, SettledProbe>> => {
    let worse = new Map<string, SettledProbe>();
    if (opts.store) {
      for (const c of checks) if (c.kind === 'heartbeat') await registerHeartbeat(opts.store, c.id, opts.clock.now());
      await history?.prepare(checks.map((c) => c.id)).catch((e: unknown) => opts.logger?.warn({ err: e }, 'check history keys could not be prepared'));
      worse = await restoreSettled(checks);
    }
    await prepareChecks(checks);
    return worse;
  };

  const scheduleRollup = (): void => {
    if (!opts.store) return;
    const every = opts.rollupEveryMs ?? 60_000;
    cancelRollup = opts.clock.at(opts.clock.now() + every, () => {
      void rollupAndRetain(opts.store!, opts.clock.now(), opts.retention)
        .catch((e) => opts.logger?.warn({ err: e }, 'check rollup failed'))
        .finally(() => cancelRollup && scheduleRollup());
    });
  };

  /**
   * Hands the rules the stored states to catch up with; with settledAfterRules, a better state of
   * those checks is held back until they have (see HistoryWriter.awaitRules).
   */
  const catchUp = (states: StoredCheckState[], worse: ReadonlyMap<string, SettledProbe>): void => {
    if (states.length === 0 || !opts.onStoredState) return;
    const tell = opts.settledAfterRules === true && history !== undefined;
    if (tell) for (const s of states) history.awaitRules(s.checkId, s.at, worse.get(s.checkId)!);
    opts.onStoredState(states, (s) => (tell ? history.rulesSaw(s.checkId, s.at) : Promise.resolve()));
  };

  /** Counts starts and stops: a start (or an add) finishes only if no stop came while it waited. */
  let starts = 0;
  /** Prepares checks just tracked and plans them at their phase (see `add`). */
  const plan = async (added: ReadonlyArray<ReturnType<typeof track>>, takenOver = false): Promise<void> => {
    const generation = starts;
    const worse = await prepare(added.map((a) => a.check));
    const lastRuns = takenOver ? await lastRunsOf(added.map((a) => a.check.id)) : undefined;
    const stored = await storedStates(worse, lastRuns);
    if (generation !== starts) return;
    // Only those still wanted: a check removed (or replaced) meanwhile is not planned.
    const wanted = added.filter((a) => running.get(a.check.id) === a).map((a) => a.check);
    const ids = new Set(wanted.map((c) => c.id));
    const storedWanted = stored.filter((s) => ids.has(s.checkId));
    catchUp(storedWanted, worse);
    scheduler.add(wanted, lastRuns);
  };
  const remove = async (ids: readonly string[], replaced = false): Promise<void> => {
    // A check replaced keeps its probe state, and its rules will still tell what they saw.
    if (!replaced) history?.forget(ids);
    const gone = ids.flatMap((id) => running.get(id) ?? []);
    for (const g of gone) running.delete(g.check.id);
    await scheduler.remove(ids);
    for (const g of gone) releaseCheckState(g.check, g.state);
  };
  return {
    scheduler,
    async start() {
      // A stop while the start waits (a lease lost, a reload, a shutdown) wins: nothing starts after it.
      const generation = ++starts;
      const checks = [...running.values()].map((r) => r.check);
      const worse = await prepare(checks);
      const stored = await storedStates(worse, undefined);
      await scheduler.prepare();
      if (generation !== starts) return;
      catchUp(stored, worse);
      if (!monitoring) loopDelay.monitor.acquire();
      monitoring = true;
      scheduler.start();
      scheduleRollup();
    },
    add: (checks, addOpts) => plan(checks.map((c) => track(compile(c))), addOpts?.takenOver),
    remove: (ids) => remove(ids),
    async replace(checks) {
      const before = new Map(checks.flatMap((c) => running.get(c.id) ?? []).map((r) => [r.check.id, r.probe]));
      await remove(checks.map((c) => c.id), true);
      await plan(
        checks.map((c) => {
          const entry = track(compile(c));
          const old = before.get(entry.check.id);
          if (old) entry.probe.carryOver(old);
          return entry;
        }),
      );
    },
    async stop() {
      starts++;
      cancelRollup?.();
      cancelRollup = undefined;
      await scheduler.stop();
      for (const r of running.values()) releaseCheckState(r.check, r.state);
      if (monitoring) loopDelay.monitor.release();
      monitoring = false;
      await history?.flush();
    },
    definitions: () => new Map([...running].map(([id, r]) => [id, r.check.config])),
    probe: (id) => running.get(id)?.probe.snapshot,
    flushHistory: async () => {
      await history?.flush();
    },
  };
}
