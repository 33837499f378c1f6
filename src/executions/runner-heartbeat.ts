import { hostname } from 'node:os';
import { endRunner, heartbeatRunner, type Store } from '../store/index.js';

/**
 * The heartbeat of a process running steps on PostgreSQL outside a cluster (a CLI run, a daemon's
 * web pages before its executions are served): a row in `execution_runners` renewed every third of
 * `ttlMs` (real time) and judged by the database's clock, so another process, or this one started
 * again, can tell that it died and mark its steps interrupted. A cluster member needs none: its
 * membership is its heartbeat.
 */
export class RunnerHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly runner: string,
    private readonly ttlMs: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Writes the first heartbeat (a step may run once it is committed), then renews it. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.renewing = this.renewing.then(() => this.beat()).catch(this.onError);
    }, Math.max(200, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  private beat(): Promise<void> {
    return heartbeatRunner(this.store.db, { id: this.runner, host: hostname(), pid: process.pid }, this.ttlMs);
  }

  /** No step runs here any more: the row goes (when that fails, it lapses by itself). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
    await endRunner(this.store.db, this.runner).catch(this.onError);
  }
}
