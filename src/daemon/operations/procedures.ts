import type { OpsConfig } from '../../config/index.js';
import type { ExecutionService, ProcedureScheduler, StopStepsOptions, UnattendedRun } from '../../executions/index.js';
import type { Runbook } from '../../runbooks/index.js';
import { clusterProcedureClaims } from '../../cluster/index.js';
import type { OperationsHost, ReloadOutcome } from './host.js';

interface Built {
  executions: ExecutionService;
  scheduler: ProcedureScheduler;
}

/**
 * Runbook executions and the procedures run by `cron` (restore tests, DR drills, morning checks),
 * over the runbooks the config load read and validated (the host's `runbooks`): none is read here,
 * so what runs is what was checked. A reload replaces them with the reloaded config's.
 * On a shared store, the holder of the singletons lease runs the scheduled procedures, once per due time.
 */
export class Procedures {
  /** Runs runbook steps; undefined until started (or with no config directory or runbooks). */
  executions: ExecutionService | undefined;
  private scheduler: ProcedureScheduler | undefined;
  /** Schedulers a reload replaced, until their runs in flight have finished. */
  private readonly retiring = new Set<Promise<void>>();
  /** Whether this process held the singletons lease at the last lease change. */
  private heldSingletons = false;
  private stopping = false;
  /** The next look for steps left running by a process that is gone (see start); and the look under way. */
  private look: NodeJS.Timeout | undefined;
  private looking: Promise<void> | undefined;
  /** A look was asked for while one was under way: it looks once more when it ends. */
  private lookAsked = false;

  constructor(
    private readonly daemon: OperationsHost,
    /** A scheduled run that did not pass (an incident is opened for it). */
    private readonly onFailure: (run: UnattendedRun) => Promise<void>,
  ) {}

  /** Builds the execution service over the host's runbooks and starts the procedures that run by `cron`. */
  async start(config: OpsConfig): Promise<void> {
    const { baseDir, runbooks } = this.daemon;
    if (baseDir === undefined || runbooks === undefined) return;
    const built = await this.build(config, baseDir, runbooks);
    // Steps a process that is gone (this one before a kill or a crash) left running: say they were interrupted.
    await this.markInterrupted(built.executions);
    this.run(built);
    // Another process sharing the store can die (or stop) at any time; on PostgreSQL it is known gone
    // once its heartbeat lapses. Looked for again every third of a lease, and at the lapse of each
    // heartbeat of a process holding a step (ExecutionService.nextInterruptedLookIn), in real time as
    // heartbeats are judged.
    this.scheduleLook(await this.nextLookIn(built.executions, config));
  }

  /** The next look in `delayMs`, unless stopping; one at a time (each schedules the next when it ends). */
  private scheduleLook(delayMs: number): void {
    if (this.stopping) return;
    this.look = setTimeout(() => {
      this.looking = this.lookAgain().finally(() => (this.looking = undefined));
    }, delayMs);
    this.look.unref();
  }

  private async lookAgain(): Promise<void> {
    let executions: ExecutionService | undefined;
    do {
      this.lookAsked = false;
      executions = this.executions;
      if (!executions) return;
      await this.markInterrupted(executions);
    } while (this.lookAsked && !this.stopping);
    const next = await this.nextLookIn(executions, this.daemon.config);
    // Asked for while the next look's time was read: at once.
    this.scheduleLook(this.lookAsked ? 0 : next);
  }

  /** Looks now instead of at the next look's time (once the looks have begun at start). */
  private lookNow(): void {
    if (this.stopping || this.look === undefined) return;
    if (this.looking) {
      this.lookAsked = true;
      return;
    }
    clearTimeout(this.look);
    this.looking = this.lookAgain().finally(() => (this.looking = undefined));
  }

  /** When to look next; a third of a lease when the store cannot say (it is looked for again then). */
  private async nextLookIn(executions: ExecutionService, config: OpsConfig): Promise<number> {
    try {
      return await executions.nextInterruptedLookIn();
    } catch (err) {
      this.daemon.logger.warn({ err }, 'could not read when the heartbeats of the processes running steps end; looking again in a third of a lease');
      return Math.max(200, Math.floor(config.storage.cluster.lease / 3));
    }
  }

  private async markInterrupted(executions: ExecutionService): Promise<void> {
    try {
      const marked = await executions.markInterrupted();
      if (marked.length > 0) this.daemon.logger.warn({ entries: marked.map((e) => `${e.executionId} ${e.step}.${e.command}`) }, 'execution steps left running by a stopped opsbook marked interrupted');
    } catch (err) {
      this.daemon.logger.error({ err }, 'could not mark the execution steps left running by a stopped opsbook');
    }
  }

  /**
   * The reloaded config's runbooks, read and validated by its load (the daemon sets them with the
   * config; a reload whose runbooks could not be read or whose references name no procedure was
   * rejected whole, and the running procedures go on as they were). The new service is built before
   * the running scheduler stops: one that cannot be built keeps the procedures running as they were,
   * or restore tests and drills run by `cron` would silently stop. The reload does not wait for a
   * scheduled run in flight (a restore test may take minutes): it finishes under the service that
   * started it and is recorded; `stop` waits for it.
   */
  async reload(config: OpsConfig): Promise<ReloadOutcome | void> {
    const { baseDir, runbooks } = this.daemon;
    if (baseDir === undefined || runbooks === undefined || this.stopping) return;
    let built: Built;
    try {
      built = await this.build(config, baseDir, runbooks);
    } catch (err) {
      this.daemon.logger.error({ err }, 'config reload could not build the runbook executions; keeping the running procedures');
      return { kept: [`the runbooks and their procedures (${err instanceof Error ? err.message : String(err)})`] };
    }
    if (this.stopping) return;
    const old = this.scheduler;
    if (old) {
      const retired: Promise<void> = old.stop().finally(() => this.retiring.delete(retired));
      this.retiring.add(retired);
    }
    this.run(built);
  }

  /**
   * The leases changed: a process that has just taken the singletons lease runs what fell due
   * meanwhile. A change is also how a member learns that another is gone at once (a restart under its
   * name superseded it, it left, its leases ran out and came here): its steps are looked for now.
   */
  leasesChanged(): void {
    const holdsSingletons = this.daemon.cluster?.singletons !== undefined;
    if (holdsSingletons && !this.heldSingletons) void this.scheduler?.catchUp();
    this.heldSingletons = holdsSingletons;
    this.lookNow();
  }

  /**
   * opsbook stops cleanly: no runbook step starts here any more; those running get until
   * `o.deadline` (server.shutdown_timeout), then their commands are stopped (a shell step's process
   * group: SIGTERM, then SIGKILL) and each is recorded interrupted by this process, saying `o.why`.
   * Resolves once none runs; answers how many had to be stopped.
   */
  async stopSteps(o: StopStepsOptions): Promise<number> {
    const executions = this.executions;
    if (!executions) return 0;
    try {
      return await executions.stopRunning(o);
    } catch (err) {
      this.daemon.logger.error({ err }, 'shutdown: the runbook steps running here could not all be recorded as interrupted; the next opsbook to look marks them');
      return 0;
    }
  }

  /** opsbook is forced out (a second signal): the runbook steps running here are told to stop now (see ExecutionService.abortRunning). */
  abortSteps(why: string): void {
    this.executions?.abortRunning(why);
  }

  /**
   * Resolves once the scheduled runs launched so far have recorded their executions (see
   * ProcedureScheduler.started), waiting at most `maxMs` of real time. A simulated clock waits for it
   * between two timers (Operations.settle).
   */
  async started(maxMs: number): Promise<void> {
    const scheduler = this.scheduler;
    if (!scheduler) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([scheduler.started(), new Promise<void>((resolve) => (timer = setTimeout(resolve, maxMs)))]);
    clearTimeout(timer);
  }

  /** Stops scheduling and waits for the runs in flight, those of replaced schedulers included. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.look);
    await this.looking;
    clearTimeout(this.look);
    await this.scheduler?.stop();
    await Promise.allSettled([...this.retiring]);
  }

  /** The execution service over `runbooks`, and a scheduler for it, not started. */
  private async build(config: OpsConfig, baseDir: string, runbooks: Runbook[]): Promise<Built> {
    const { store, clock, logger } = this.daemon;
    const { ExecutionService, InProcessExecutions, ProcedureScheduler, storeIncidentLink, storeProcedureClaims } = await import('../../executions/index.js');
    const cluster = this.daemon.cluster;
    const executions = new ExecutionService({
      // Executions started before a reload go on under the new service: their running steps and secrets pass to it.
      // In a cluster on PostgreSQL its steps run as the member: others see from its heartbeat whether it lives.
      inProcess: this.executions?.inProcess ?? new InProcessExecutions(cluster && store.dialect === 'postgres' ? cluster.id : undefined),
      store,
      clock,
      config,
      baseDir,
      runbooks,
      logger,
      incidents: storeIncidentLink(store),
    });
    const scheduler = new ProcedureScheduler({
      clock,
      config,
      service: executions,
      onFailure: (run) => this.onFailure(run),
      onError: (reference, error) => logger.error({ err: error, procedure: reference }, 'scheduled procedure could not run'),
      onMissed: (reference, dueAt, missed) =>
        logger.warn({ procedure: reference, due_at: new Date(dueAt).toISOString(), missed }, 'scheduled procedure fell due while opsbook did not run it; running it once now, for its latest due time'),
      // Alone on its store (SQLite), the process claims each due time too: a restart knows what ran.
      ...(this.daemon.cluster ? clusterProcedureClaims(store, this.daemon.cluster, clock) : storeProcedureClaims(store, clock)),
    });
    return { executions, scheduler };
  }

  /** Runs executions and scheduled procedures with what `build` built. */
  private run(built: Built): void {
    this.executions = built.executions;
    this.scheduler = built.scheduler;
    this.scheduler.start();
    // Already the singletons holder (it took the lease while starting), or alone on its store: what
    // fell due meanwhile (while opsbook was down, or before a reload) runs now.
    if (!this.daemon.cluster) void this.scheduler.catchUp();
    else if (this.daemon.cluster.singletons) {
      this.heldSingletons = true;
      void this.scheduler.catchUp();
    }
  }
}
