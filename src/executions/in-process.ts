import { newId } from '../lib/ids.js';
import { isMemberId, type StepClaim, type Store } from '../store/index.js';
import type { ExecutionLogger } from './audit.js';
import { RunnerHeartbeat } from './runner-heartbeat.js';

/** What a process holds of its running executions, and nowhere else: the steps it runs, and secret values. */
export class InProcessExecutions {
  private holds = 0;
  /** Starts and stops of the runner's liveness, in order: a stop's delete never lands after the next start's insert. */
  private liveness: Promise<void> = Promise.resolve();
  private releaseLock: (() => void) | undefined;
  private heartbeat: RunnerHeartbeat | undefined;

  /**
   * @param runner Who runs steps here, as their `running` entries name it: the cluster member id on
   *   PostgreSQL in a cluster (its heartbeat tells the others whether it lives), else a new `run_…` id.
   */
  constructor(readonly runner: string = newId('run')) {}

  /**
   * Marks this process alive while a step runs, so others can tell when it dies: on a SQLite file
   * it holds the runner's owner lock (the kernel drops it when the process dies however it dies); on
   * PostgreSQL outside a cluster it keeps a heartbeat row (`ttlMs`, storage.cluster.lease), written
   * before this resolves. Returns the release.
   */
  async holdRunner(store: Store, options: { ttlMs: number; logger?: ExecutionLogger | undefined }): Promise<() => Promise<void>> {
    if (this.holds++ === 0) this.liveness = this.liveness.catch(() => {}).then(() => this.live(store, options));
    try {
      await this.liveness;
    } catch (e) {
      await this.drop();
      throw e;
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      await this.drop();
    };
  }

  private async live(store: Store, options: { ttlMs: number; logger?: ExecutionLogger | undefined }): Promise<void> {
    if (store.leaseOwners) {
      this.releaseLock = store.leaseOwners.hold(this.runner);
    } else if (store.dialect === 'postgres' && !isMemberId(this.runner)) {
      const heartbeat = new RunnerHeartbeat(store, this.runner, options.ttlMs, (err) => options.logger?.warn?.({ err, runner: this.runner }, 'could not renew the heartbeat of the steps running here'));
      await heartbeat.start();
      this.heartbeat = heartbeat;
    }
  }

  private drop(): Promise<void> {
    if (--this.holds > 0) return Promise.resolve();
    this.liveness = this.liveness.catch(() => {}).then(async () => {
      this.releaseLock?.();
      this.releaseLock = undefined;
      const heartbeat = this.heartbeat;
      this.heartbeat = undefined;
      await heartbeat?.stop();
    });
    return this.liveness;
  }

  /** The controllers of the steps running, by execution id. */
  readonly controllers = new Map<string, Set<AbortController>>();
  /** Secret values given for an execution live only in this process. */
  readonly secretParams = new Map<string, Record<string, string>>();
  /** Who runs each step running here now, by `executionId#step` (the store's `running_steps` holds it for every process). */
  readonly runningSteps = new Map<string, string>();

  /** The take (claim) of each step running here once taken, by `executionId#step`. */
  readonly claims = new Map<string, StepClaim>();
  /** The runs of steps under way here (see track), so a clean stop can wait for them. */
  readonly runs = new Set<Promise<unknown>>();
  /**
   * Why no step starts here any more: opsbook began a clean stop (`opsbook stopped (SIGTERM)`); see
   * stopRunningSteps. Undefined while it serves.
   */
  stopping: string | undefined;

  /** Counts `run` among the runs under way until it settles; answers it. */
  track<T>(run: Promise<T>): Promise<T> {
    const settled = run.then(() => undefined, () => undefined);
    this.runs.add(settled);
    void settled.then(() => this.runs.delete(settled));
    return run;
  }

  /** Stops every step running here now, its commands' signals aborted with `reason`. */
  abortAll(reason: unknown): void {
    for (const controllers of this.controllers.values()) for (const c of controllers) c.abort(reason);
  }

  /** Stops the execution's running steps and forgets its secrets (it ended). */
  end(id: string): void {
    for (const c of this.controllers.get(id) ?? []) c.abort();
    this.controllers.delete(id);
    this.secretParams.delete(id);
  }
}
