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
export async function runUnattended(service: ExecutionService, reference: string, options: { trigger?: 'cron' | 'manual' } = {}): Promise<ExecutionSummary & { outcome: ExecutionOutcome }> {
  const actor = systemActor('scheduler');
  const { id, plan } = await service.start(reference, actor, { trigger: options.trigger ?? 'cron' });
  for (const step of plan.steps) {
    if (step.manual) continue;
    const result = await service.runStep(id, step.number, actor, {});
    if (result.status === 'failed' || result.status === 'timeout' || result.status === 'cancelled') break;
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
   * Whether this process runs a due procedure. In a cluster only the holder of the singletons
   * lease does, so N processes on one store run each due procedure once, not N times. A due
   * instant this process may not run is skipped here (the holder runs it) and the cron re-armed.
   */
  mayRun?: () => boolean;
}

/** Runs every `procedures[…]` with a `cron` at its times, in its time zone, on the injected clock. */
export class ProcedureScheduler {
  private readonly cancels = new Map<string, () => void>();
  private stopped = true;
  /** Runs in flight, so stop() can wait for them. */
  private readonly inFlight = new Set<Promise<void>>();

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
      if (this.options.mayRun && !this.options.mayRun()) return this.arm(reference, cron, timeZone, due);
      const run = this.fire(reference, due).finally(() => this.inFlight.delete(run));
      this.inFlight.add(run);
      this.arm(reference, cron, timeZone, due);
    }));
  }

  private async fire(reference: string, dueAt: number): Promise<void> {
    try {
      const result = await runUnattended(this.options.service, reference);
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
