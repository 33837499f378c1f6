/**
 * What the parts of the operations pipeline share: the host it runs in, its one queue, its
 * listeners and whether it is stopping. Each part (alert commit, rule timers, held pages, running
 * checks, …) is given this, never the Operations class, so imports point from it to them.
 */
import type { CheckResult, ProbeSnapshot } from '../../checks/index.js';
import type { Incident } from '../../incidents/index.js';
import type { OperationsHost } from './host.js';

/** A check's latest result and its settled probe state. */
export interface CheckState {
  result: CheckResult;
  probe: ProbeSnapshot;
}

/** Listeners for what happened, e.g. the UI's live updates. */
export type OperationsEvent =
  | { type: 'check'; result: CheckResult }
  | { type: 'incident'; incident: Incident };

export interface EnqueueOptions {
  /** Ahead of queued check results. */
  urgent?: boolean;
  /** A person waits for the result and is answered with the error. */
  answered?: boolean;
}

export interface Pipeline {
  readonly daemon: OperationsHost;
  /**
   * Runs `work` in the pipeline's one queue, in turn (urgent work goes ahead of queued results); a
   * failure is logged — except that of `answered` work (a person's action), which its caller answers
   * (the API and UI log it with its cause; the CLI prints it), so it is not told twice.
   */
  enqueue<T>(work: () => Promise<T>, options?: EnqueueOptions): Promise<T>;
  emit(e: OperationsEvent): void;
  /** True from the first step of a stop: no timer is armed again. */
  readonly stopping: boolean;
}
