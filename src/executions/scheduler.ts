import { Cron } from 'croner';
import type { OpsConfig } from '../config/index.js';
import { systemActor } from '../identity/index.js';
import type { Clock } from '../lib/clock.js';
import type { ExecutionService } from './service.js';
import type { ExecutionOutcome, ExecutionSummary } from './types.js';

/** One unattended run as the scheduler reports it. */
export interface UnattendedRun extends ExecutionSummary {
  outcome: ExecutionOutcome;
  /** When the run was due (its cron time). */
  dueAt: number;
}

/**
 * Runs a procedure with nobody at the keyboard: read and pre-approved steps run, anything else
 * is refused and recorded; required manual steps stay unticked. Every run leaves a transcript.
 */
export async function runUnattended(
  service: ExecutionService,
  reference: string,
  options: { trigger?: 'cron' | 'manual'; onStarted?: () => void } = {},
): Promise<ExecutionSummary & { outcome: ExecutionOutcome }> {
  const actor = systemActor('scheduler');
  const { id, plan } = await service.start(reference, actor, { trigger: options.trigger ?? 'cron' });
  options.onStarted?.();
  for (const step of plan.steps) {
    if (step.manual) continue;
    const result = await service.runStep(id, step.number, actor, {});
    if (result.status === 'failed' || result.status === 'timeout' || result.status === 'cancelled' || result.status === 'interrupted') break;
  }
  return service.finish(id, actor);
}

export interface SchedulerOptions {
  clock: Clock;
  config: Pick<OpsConfig, 'procedures'>;
  service: ExecutionService;
  /** Called with every run that did not pass; the daemon turns it into an incident. */
  onFailure: (run: UnattendedRun) => void | Promise<void>;
  onRun?: (run: UnattendedRun) => void;
  onError?: (reference: string, error: unknown) => void;
  /**
   * `catchUp` is about to run `reference` for `dueAt`, a due time that went by while no process ran it
   * (opsbook stopped, or no process held the singletons lease); `missed` due times went by unrun, this
   * one the latest of them.
   */
  onMissed?: (reference: string, dueAt: number, missed: number) => void;
  /**
   * Whether this process runs a due procedure. In a cluster only the holder of the singletons
   * lease does, so N processes on one store run each due procedure once, not N times. A due
   * instant this process may not run is skipped here (the holder runs it, or `catchUp` does when
   * this process becomes the holder) and the cron re-armed.
   */
  mayRun?: () => boolean;
  /**
   * Claims the run of `reference` due at `dueAt` across the processes sharing the store, before it
   * starts: false when it was claimed already (the run is then skipped). Without it every due time
   * runs (one process).
   */
  claim?: (reference: string, dueAt: number) => Promise<boolean>;
  /** The latest due time of `reference` claimed by any process (for `catchUp`); undefined when none. */
  lastClaimed?: (reference: string) => Promise<number | undefined>;
}

/** Most cron instants `catchUp` steps through to find the latest one due (a cron every second, for a day). */
const CATCH_UP_STEPS = 86_400;

/** Runs every `procedures[…]` with a `cron` at its times, in its time zone, on the injected clock. */
export class ProcedureScheduler {
  private readonly cancels = new Map<string, () => void>();
  private stopped = true;
  /** Runs in flight, so stop() can wait for them. */
  private readonly inFlight = new Set<Promise<void>>();
  /** Runs launched whose execution is not recorded yet, and catch-ups under way (see `started`). */
  private readonly starting = new Set<Promise<unknown>>();
  /** Per procedure, the latest due time that went by while this process might not run it. */
  private readonly skipped = new Map<string, number>();

  constructor(private readonly options: SchedulerOptions) {}

  /** The next instant `reference` is due after `after`, or undefined when its cron has no more. */
  static nextRun(cron: string, timeZone: string, after: number): number | undefined {
    return new Cron(cron, { timezone: timeZone, paused: true }).nextRun(new Date(after))?.getTime();
  }

  start(): void {
    this.stopped = false;
    for (const [reference, settings] of Object.entries(this.options.config.procedures)) {
      if (settings.cron) this.arm(reference, settings.cron, settings.time_zone, this.options.clock.now());
    }
  }

  private arm(reference: string, cron: string, timeZone: string, after: number): void {
    if (this.stopped) return;
    const due = ProcedureScheduler.nextRun(cron, timeZone, after);
    if (due === undefined) return;
    this.cancels.set(reference, this.options.clock.at(due, () => {
      if (!this.mayRun()) this.skipped.set(reference, due);
      else this.launch(reference, due);
      this.arm(reference, cron, timeZone, due);
    }));
  }

  private mayRun(): boolean {
    return this.options.mayRun?.() ?? true;
  }

  private launch(reference: string, dueAt: number): void {
    let started!: () => void;
    this.track(new Promise<void>((resolve) => (started = resolve)));
    const run = this.fire(reference, dueAt, started).finally(() => {
      started();
      this.inFlight.delete(run);
    });
    this.inFlight.add(run);
  }

  private track<T>(starting: Promise<T>): Promise<T> {
    this.starting.add(starting);
    void starting.finally(() => this.starting.delete(starting)).catch(() => {});
    return starting;
  }

  /**
   * Resolves once every run launched so far has recorded its execution (or ended before it could:
   * claimed elsewhere, failed) and every catch-up under way has launched its runs. A simulated clock
   * waits for it between two timers: a run's start is stamped with the clock's time, and a clock
   * moved on before the claim and the start were written would stamp a later instant than its due
   * time (on a loaded machine, Thursday 07:00's run was stamped 07:27).
   */
  async started(): Promise<void> {
    while (this.starting.size > 0) await Promise.allSettled([...this.starting]);
  }

  /**
   * This process has just become the one that runs scheduled procedures (in a cluster: it took the
   * singletons lease). Runs each procedure that fell due since its last claimed run — or, when none
   * was ever claimed, since a due time this process saw go by unrun — once, for the latest such due
   * time (three missed mornings make one run, not three). A due time the previous holder ran is
   * claimed already, so it is not run again. The same at the start of a process alone on its store
   * (SQLite): what fell due while opsbook was down runs once.
   */
  catchUp(): Promise<void> {
    return this.track(this.catchUpNow());
  }

  private async catchUpNow(): Promise<void> {
    if (this.stopped || !this.mayRun()) return;
    const now = this.options.clock.now();
    for (const [reference, settings] of Object.entries(this.options.config.procedures)) {
      if (!settings.cron) continue;
      try {
        const last = await this.options.lastClaimed?.(reference);
        const seen = this.skipped.get(reference);
        let due = last === undefined ? seen : ProcedureScheduler.nextRun(settings.cron, settings.time_zone, last);
        if (seen !== undefined && due !== undefined && seen > due) due = seen;
        if (due === undefined || due > now) continue;
        let missed = 1;
        for (let i = 0; i < CATCH_UP_STEPS; i++) {
          const next = ProcedureScheduler.nextRun(settings.cron, settings.time_zone, due);
          if (next === undefined || next > now) break;
          due = next;
          missed++;
        }
        if (this.stopped || !this.mayRun()) return;
        this.skipped.delete(reference);
        this.options.onMissed?.(reference, due, missed);
        this.launch(reference, due);
      } catch (e) {
        this.options.onError?.(reference, e);
      }
    }
  }

  private async fire(reference: string, dueAt: number, started: () => void): Promise<void> {
    try {
      if (this.options.claim && !(await this.options.claim(reference, dueAt))) return;
      const result = await runUnattended(this.options.service, reference, { onStarted: started });
      const run: UnattendedRun = { ...result, dueAt };
      this.options.onRun?.(run);
      if (result.outcome.state !== 'passed') await this.options.onFailure(run);
    } catch (e) {
      this.options.onError?.(reference, e);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of this.cancels.values()) cancel();
    this.cancels.clear();
    await Promise.allSettled([...this.inFlight]);
  }
}
