import { eachInChunks } from '../../lib/chunks.js';
import type { Clock } from '../../lib/clock.js';
import type { CheckMetrics } from './metrics.js';
import { PlanHeap, nextSlot, phaseOf, tickAt } from './plan.js';
import type { StoredLastRun } from '../../store/repos/check-history.js';

export interface SchedulableCheck {
  id: string;
  kind: string;
  intervalMs: number;
  initialDelayMs: number;
}

export interface SchedulerOptions<C extends SchedulableCheck> {
  clock: Clock;
  /** Most runs in flight at once, across all checks (default 256). */
  concurrency?: number;
  /**
   * The scheduler wakes on this tick (ms, default 50) and launches every run due by then: one timer
   * for all checks, however many. Phases fall on ticks, so a run is late by less than one tick.
   */
  tickMs?: number;
  /**
   * Runs one check; must settle by the check's timeout (runCheckOnce does). `signal` is the run's
   * own, aborted when the scheduler stops (with `reason` STOPPED); `abort` is its controller, which
   * the run may abort itself at its own timeout rather than link a second controller to it.
   */
  run: (check: C, plannedAt: number, signal: AbortSignal, abort: AbortController) => Promise<void>;
  metrics?: CheckMetrics;
  /** Called with each run's lag in ms (planned → started); the bench reads it. */
  onLag?: (lagMs: number, check: C) => void;
}

/** Checks whose phases are worked out between two yields to the event loop. */
const PREPARE_CHUNK = 2000;

/**
 * Overdue checks taken over from another process (see `LastRun`) start within this window, or within
 * their interval when it is shorter, spread evenly over it: a large partition gained does not send
 * all its probes in the same instant, and none waits long.
 */
export const CATCH_UP_WINDOW_MS = 2000;

/** What the store knows of a check's last run, for a check taken over from another process. */
export type LastRun = StoredLastRun;

/** The reason a run's signal carries when the scheduler stopped it (not a result about the service). */
export const STOPPED = new Error('scheduler stopped');

interface Entry<C> {
  check: C;
  due: number;
  seq: number;
  /** Worked out from the id (see prepare); undefined until then. */
  phase: number | undefined;
  /** Running or waiting for a concurrency slot: a due run then is skipped, never overlapped. */
  busy: boolean;
  /** The check was removed: the plan drops the entry when it comes up, and it never runs again. */
  removed: boolean;
  /** The run in flight: a removal aborts it. */
  run: { abort: AbortController; done: Promise<void> } | undefined;
}

/**
 * Fixed-rate scheduler. Each check runs on its own grid, phase + k × interval, with the phase
 * derived from its id and rounded to the scheduler's tick: starts spread evenly over the ticks of
 * an interval, one timer (armed for the next tick that has work) launches them all, and after a restart the plan resumes on the same grid
 * without a burst. The next run is planned from the previous plan, not from when a run finished,
 * so slow runs do not drift the schedule. A check never overlaps itself (a due run while the last
 * is still going is counted as missed), and a global limit caps runs in flight; runs past the limit
 * wait in order of their planned time. Checks can be added and removed while it runs (the checks of
 * a partition this process gained or lost, or of a reload): the others' plan and runs are not touched.
 * A check taken over overdue runs once off its grid, at once, then returns to it (see `add`).
 */
export class CheckScheduler<C extends SchedulableCheck> {
  private heap = new PlanHeap<Entry<C>>();
  private waiting: { entry: Entry<C>; plannedAt: number }[] = [];
  private waitingHead = 0;
  private active = 0;
  private seq = 0;
  private cancelTimer: (() => void) | undefined;
  private armedFor = Infinity;
  private running = new Set<Promise<void>>();
  /** One per run in flight: a stop aborts each, and no signal collects thousands of listeners. */
  private aborts = new Set<AbortController>();
  private started = false;
  /** When start() was called: `initial_delay` counts from it. */
  private startedAt = 0;
  /** Every check it runs, by id. */
  private readonly entries = new Map<string, Entry<C>>();
  private readonly concurrency: number;
  private readonly tickMs: number;
  /** The lag histogram's child per kind: labels are hashed once, not on every run. */
  private readonly lagByKind = new Map<string, { observe(v: number): void }>();
  readonly stats = { runs: 0, missed: 0 };

  constructor(
    checks: readonly C[],
    private readonly opts: SchedulerOptions<C>,
  ) {
    this.concurrency = opts.concurrency ?? 256;
    this.tickMs = Math.max(1, opts.tickMs ?? 50);
    for (const check of checks) this.entries.set(check.id, newEntry(check));
  }

  /**
   * Works out every check's phase (a hash of its id: a few hundred ms for tens of thousands) a chunk
   * at a time, yielding to the event loop between chunks, so a start with many checks does not hold
   * up everything else the process serves. Optional: start() works out what is left.
   */
  prepare(chunk = PREPARE_CHUNK): Promise<void> {
    const entries = [...this.entries.values()].filter((e) => e.phase === undefined);
    return eachInChunks(0, entries.length, chunk, (i) => this.phaseOf(entries[i]!));
  }

  /**
   * Plans every check's first run: its first grid slot after now + initial_delay. With `lastRuns`
   * (the checks were taken over from another process), as `add` plans them.
   */
  start(lastRuns?: ReadonlyMap<string, LastRun>): void {
    if (this.started) return;
    this.started = true;
    // The phases first, then the time the plan starts from, so the runs due first are not already
    // late by the hashing.
    for (const entry of this.entries.values()) this.phaseOf(entry);
    this.startedAt = this.opts.clock.now();
    this.planFirstRuns([...this.entries.values()], lastRuns);
    this.arm();
  }

  /**
   * Adds checks (ids it does not run yet; a known id is replaced), each planned at its first grid
   * slot from now, `initial_delay` counted from the start. With `lastRuns` (the checks of a
   * partition taken over from another process, and when each last ran as far as the store knows),
   * each check's next run is the one its previous holder would have made (see `dueAfter`): when
   * that has passed — the previous holder stopped before it — the check runs at once, spread over
   * CATCH_UP_WINDOW_MS, oldest first (or at its phase slot if that comes sooner), then at its phase;
   * otherwise at it, so the handover neither runs a check twice in an interval nor leaves it
   * unrun for longer than one.
   */
  add(checks: readonly C[], lastRuns?: ReadonlyMap<string, LastRun>): void {
    if (checks.length === 0) return;
    void this.remove(checks.map((c) => c.id).filter((id) => this.entries.has(id)));
    const added: Entry<C>[] = [];
    for (const check of checks) {
      const entry = newEntry(check);
      this.entries.set(check.id, entry);
      added.push(entry);
    }
    if (this.started) this.planFirstRuns(added, lastRuns);
    this.arm();
  }

  /**
   * Removes checks: they are planned no more, and their runs in flight are aborted at once (with
   * `reason` STOPPED). Resolves once those runs have settled.
   */
  async remove(ids: Iterable<string>): Promise<void> {
    const runs: Promise<void>[] = [];
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (!entry) continue;
      this.entries.delete(id);
      entry.removed = true;
      if (entry.run) {
        entry.run.abort.abort(STOPPED);
        runs.push(entry.run.done);
      }
    }
    await Promise.allSettled(runs);
  }

  /** Whether it runs the check. */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  private phaseOf(entry: Entry<C>): number {
    entry.phase ??= phaseOf(entry.check.id, entry.check.intervalMs, this.tickMs);
    return entry.phase;
  }

  /** Plans each entry's first run (see `add`). */
  private planFirstRuns(entries: readonly Entry<C>[], lastRuns: ReadonlyMap<string, LastRun> | undefined): void {
    const now = this.opts.clock.now();
    const overdue: Array<{ entry: Entry<C>; at: number }> = [];
    for (const entry of entries) {
      const last = lastRuns?.get(entry.check.id);
      // A check still in its initial delay waits for it, whatever ran before.
      if (!last || now < this.startedAt + entry.check.initialDelayMs) {
        this.plan(entry, now);
        continue;
      }
      // A run stamped later than now (by a previous holder whose clock is ahead of this one's) counts as now.
      const at = Math.min(last.at, now);
      const due = this.dueAfter(entry, at, last.ran);
      if (due <= now) overdue.push({ entry, at });
      else this.push(entry, due);
    }
    overdue.sort((a, b) => a.at - b.at);
    overdue.forEach(({ entry }, i) => {
      const { intervalMs } = entry.check;
      // Its phase slot, when that comes first.
      const slot = nextSlot(now, this.phaseOf(entry), intervalMs);
      this.push(entry, Math.min(slot, now + Math.floor((Math.min(intervalMs, CATCH_UP_WINDOW_MS) * i) / overdue.length)));
    });
  }

  /**
   * When a check taken over is next due, from its last run as the store knows it (`at`): when its
   * previous holder would have run it next (see nextAfter), so no later than an interval after that
   * run, even when that run was itself a run at once off the grid (a catch-up after an earlier move).
   * For a check never run, `at` is when it was first planned, and it is due at its first slot from
   * then. Judged by the interval alone, a check whose off-grid last run was less than an interval old
   * but whose slot had passed unrun (its holder stopped, died or gave the partition back first)
   * waited for the slot after: up to two intervals without a run, plus the move.
   */
  private dueAfter(entry: Entry<C>, at: number, ran: boolean): number {
    return ran ? this.nextAfter(entry, at) : nextSlot(at, this.phaseOf(entry), entry.check.intervalMs);
  }

  /**
   * The run after one planned at `at`: its next slot on the grid — after a run off the grid (at once,
   * after a move), the first slot at least half an interval later, or, when that slot is more than an
   * interval away, half an interval before it: every run within an interval of the one before, and
   * back on the grid at the next. (The slot alone left up to one and a half intervals without a run
   * after each catch-up: with a move or a stop in the next interval, a check went silent past two.)
   */
  private nextAfter(entry: Entry<C>, at: number): number {
    const { intervalMs } = entry.check;
    const half = Math.ceil(intervalMs / 2);
    const slot = nextSlot(at + half, this.phaseOf(entry), intervalMs);
    return slot > at + intervalMs ? slot - half : slot;
  }

  /** Plans the entry at its first grid slot at or after `notBefore`, `initial_delay` counted from the start. */
  private plan(entry: Entry<C>, notBefore: number): void {
    const { intervalMs, initialDelayMs } = entry.check;
    this.push(entry, nextSlot(Math.max(notBefore, this.startedAt + initialDelayMs), this.phaseOf(entry), intervalMs));
  }

  private push(entry: Entry<C>, due: number): void {
    entry.due = due;
    entry.seq = this.seq++;
    entry.busy = false;
    this.heap.push(entry);
  }

  /** Stops planning, aborts runs in flight and waits for them to settle. */
  async stop(): Promise<void> {
    this.started = false;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.heap.clear();
    this.waiting = [];
    this.waitingHead = 0;
    for (const a of this.aborts) a.abort(STOPPED);
    await Promise.allSettled([...this.running]);
  }

  /** Checks it runs. */
  get size(): number {
    return this.entries.size;
  }

  /** Runs in flight now. */
  get inFlight(): number {
    return this.active;
  }

  /**
   * Resolves once no run is in flight, or after `maxMs` of real time, whichever comes first; true
   * when every run settled. A simulated clock uses it before moving time, so a probe still talking
   * to its peer is not timed out by a jump of the clock.
   */
  async settled(maxMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<false>((r) => (timer = setTimeout(() => r(false), maxMs)));
    try {
      while (this.running.size > 0 || this.waitingHead < this.waiting.length) {
        const all = Promise.allSettled([...this.running]).then(() => true);
        if (!(await Promise.race([all, cap]))) return false;
        // Runs that finished released waiting ones; loop until none are left.
        await new Promise((r) => setImmediate(r));
      }
      return true;
    } finally {
      clearTimeout(timer);
    }
  }

  private arm(): void {
    const top = this.heap.peek();
    if (!this.started || !top) return;
    const tick = tickAt(top.due, this.tickMs);
    if (tick >= this.armedFor) return;
    this.cancelTimer?.();
    this.armedFor = tick;
    this.cancelTimer = this.opts.clock.at(tick, () => this.fire());
  }

  private fire(): void {
    this.cancelTimer = undefined;
    this.armedFor = Infinity;
    if (!this.started) return;
    const now = this.opts.clock.now();
    for (let top = this.heap.peek(); top && top.due <= now; top = this.heap.peek()) {
      const entry = this.heap.pop()!;
      if (entry.removed) continue;
      const plannedAt = entry.due;
      if (entry.busy) {
        this.stats.missed++;
        this.opts.metrics?.missed.inc({ kind: entry.check.kind });
      } else if (this.active < this.concurrency) {
        this.launch(entry, plannedAt);
      } else {
        entry.busy = true;
        this.waiting.push({ entry, plannedAt });
      }
      // Fixed rate: plan from the plan (see nextAfter). If far behind, skip whole intervals rather than burst.
      let next = this.nextAfter(entry, plannedAt);
      if (next <= now - entry.check.intervalMs) {
        const skipped = Math.floor((now - next) / entry.check.intervalMs);
        next += skipped * entry.check.intervalMs;
        this.stats.missed += skipped;
        this.opts.metrics?.missed.inc({ kind: entry.check.kind }, skipped);
      }
      entry.due = next;
      entry.seq = this.seq++;
      this.heap.push(entry);
    }
    this.arm();
  }

  private launch(entry: Entry<C>, plannedAt: number): void {
    const startedAt = this.opts.clock.now();
    entry.busy = true;
    this.active++;
    this.stats.runs++;
    const lag = Math.max(0, startedAt - plannedAt);
    if (this.opts.metrics) this.lagOf(entry.check.kind).observe(lag / 1000);
    this.opts.onLag?.(lag, entry.check);
    const abort = new AbortController();
    this.aborts.add(abort);
    const settle = (): void => {
      this.running.delete(p);
      this.aborts.delete(abort);
      entry.busy = false;
      entry.run = undefined;
      this.active--;
      this.drain();
    };
    // run() reports its own failures as results; nothing escapes to stop the scheduler.
    const p: Promise<void> = this.opts.run(entry.check, plannedAt, abort.signal, abort).then(settle, settle);
    this.running.add(p);
    entry.run = { abort, done: p };
  }

  private lagOf(kind: string): { observe(v: number): void } {
    let child = this.lagByKind.get(kind);
    if (!child) {
      child = this.opts.metrics!.lag.labels({ kind });
      this.lagByKind.set(kind, child);
    }
    return child;
  }

  private drain(): void {
    while (this.started && this.active < this.concurrency && this.waitingHead < this.waiting.length) {
      const { entry, plannedAt } = this.waiting[this.waitingHead++]!;
      entry.busy = false;
      if (!entry.removed) this.launch(entry, plannedAt);
    }
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
  }
}

function newEntry<C>(check: C): Entry<C> {
  return { check, due: 0, seq: 0, phase: undefined, busy: false, removed: false, run: undefined };
}
