import { bindContext } from '../../lib/async-context.js';

/**
 * The pipeline's queue: one job at a time, in order within a lane, a person's action (`urgent`)
 * before queued alerts and probe results. A storm of alerts then delays an acknowledgement by at
 * most the job in progress, not by the whole backlog.
 *
 * Each job runs in the async context it was queued from (the lease of the check result that queued
 * it, or none for a person's action), not in that of the job whose push started the queue draining:
 * the drain is one async function, and every job it called ran under the first pusher's lease.
 */
export class WorkQueue {
  private readonly urgent: Array<() => Promise<void>> = [];
  private readonly normal: Array<() => Promise<void>> = [];
  private running: Promise<void> | undefined;
  /** Set while the queue is held (see hold): the drain waits for it before the next job. */
  private gate: Promise<void> | undefined;
  /** Alert events (ingest) waiting or in progress: what ingest admission bounds. */
  backlog = 0;

  push<T>(work: () => Promise<T>, options: { urgent?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // Bound now, in the pusher's context; the drain calls it later from its own.
      (options.urgent ? this.urgent : this.normal).push(bindContext(() => work().then(resolve, reject)));
      this.running ??= this.drain();
    });
  }

  /** Jobs waiting (not counting the one in progress). */
  get waiting(): number {
    return this.urgent.length + this.normal.length;
  }

  /** Resolves once every job queued so far, and any they queue, has run. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * Holds the queue after the job in progress until the function answered is called: what is pushed
   * meanwhile waits, in order. `idle` waits for the release too.
   */
  hold(): () => void {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    this.gate = gate;
    return () => {
      if (this.gate === gate) this.gate = undefined;
      release();
    };
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        while (this.gate) await this.gate;
        const job = this.next();
        if (!job) break;
        await job();
        // On SQLite a job may run start to end in microtasks; yielding to the event loop between
        // jobs lets waiting requests be read (and an acknowledgement be queued ahead) meanwhile.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.running = undefined;
    }
  }

  private next(): (() => Promise<void>) | undefined {
    return this.urgent.shift() ?? this.normal.shift();
  }
}
