import type { Clock } from '../lib/clock.js';
import { RETRY_AFTER_ERROR_MS } from '../lib/rearm.js';

export interface PeriodicTaskOptions {
  readonly clock: Clock;
  /** The instant of the next run, given now; undefined leaves the task unarmed (switched off). */
  readonly next: (now: number) => number | undefined;
  readonly run: () => Promise<unknown>;
  /** A failed run is reported here; the task is armed again all the same. */
  readonly onError: (e: unknown) => void;
}

/**
 * A daemon job that runs at instants of the (possibly simulated) clock, one run at a time, armed
 * again after each run from the config of that moment. `stop` waits for the run in progress.
 */
export class PeriodicTask {
  private cancel?: (() => void) | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: PeriodicTaskOptions) {}

  start(): void {
    this.arm();
  }

  /** Re-reads `next` (after a config reload): the pending run moves to the new instant. */
  reload(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.arm();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    await this.running;
  }

  /** Resolves once the run in progress (if any) has finished. */
  idle(): Promise<void> {
    return this.running;
  }

  private arm(): void {
    if (this.stopped) return;
    const { clock, next, run, onError } = this.options;
    let at: number | undefined;
    try {
      at = next(clock.now());
    } catch (e) {
      // A `next` that throws (a schedule it cannot read) must not end the task unseen, nor escape as
      // an unhandled rejection from the run's chain: reported, and asked again a little later.
      onError(e);
      at = clock.now() + RETRY_AFTER_ERROR_MS;
      this.cancel = clock.at(at, () => this.arm());
      return;
    }
    if (at === undefined) return;
    this.cancel = clock.at(at, () => {
      this.running = this.running
        .then(run)
        .then(() => undefined, onError)
        .finally(() => this.arm());
    });
  }
}
