/**
 * The operations pipeline, wired: check results → rules → incidents → escalation → outbox →
 * channels. It builds the parts (see their files), owns the one queue they share, and starts,
 * reloads and stops them in order; callers (daemon, HTTP, CLI, `opsbook test`) use only this class.
 */
import type { OpsConfig } from '../../config/index.js';
import type { AlertEngine, AlertEvent } from '../../alerts/index.js';
import { DEFAULT_LOOP_DELAY_BOUND_MS, loopDelayMonitor, type CheckResult, type ProbeSnapshot } from '../../checks/index.js';
import type { Incident, IncidentEffect, IncidentResult, IncidentRole, IncidentService } from '../../incidents/index.js';
import type { ActionLinkSigner, OutboxWorker } from '../../notify/index.js';
import type { EscalationDriver } from '../../oncall/index.js';
import type { Actor } from '../../identity/index.js';
import { isOpsbookError, type OpsbookError } from '../../lib/errors/index.js';
import type { ExecutionService, StopStepsOptions } from '../../executions/index.js';
import { appendAudit, findOpenIncidentByDedupKey, namedStoreError, retryAfterSeconds } from '../../store/index.js';
import { runUnderLease } from '../../cluster/index.js';
import type { OperationsHost, ReloadOutcome } from './host.js';
import type { IncidentEffects } from './effects.js';
import { WorkQueue } from './work-queue.js';
import { IngestGroup } from './ingest-batch.js';
import { OVERLOAD_DEDUP_KEY, overloadResolved, OverloadWatch, type LoopLateness } from './overload.js';
import type { PagingWatch } from './paging-watch.js';
import { DeadmanSwitch } from './deadman.js';
import { StoreFullMode } from './store-full.js';
import { Procedures } from './procedures.js';
import { MissedPages } from './missed-pages.js';
import { StuckEscalations } from './stuck-escalations.js';
import { AlertCommit } from './alert-commit.js';
import { CheckResultQueue } from './check-results.js';
import { openDomains } from './domains.js';
import { HeldPages } from './held-pages.js';
import { IncidentActions } from './incident-actions.js';
import { incidentConfig, ownedRules } from './ownership.js';
import type { CheckState, EnqueueOptions, OperationsEvent, Pipeline } from './pipeline.js';
import { RuleTimers } from './rule-timers.js';
import { RunningChecks } from './running-checks.js';
import { SingletonEvaluators } from './singleton-evaluators.js';

export type { CheckState, OperationsEvent } from './pipeline.js';

export interface OperationsOptions {
  /** Run the checks on their schedule (default true). Off, results come only from `injectCheckResult`. */
  probes?: boolean;
  /** Deliver the outbox through the channels (default true). Off, rows stay pending for the caller to read. */
  delivery?: boolean;
  /** Where the overload watch reads opsbook's event-loop delay (default: the process's monitor). */
  loopDelay?: LoopLateness;
}

// What only a running daemon needs (probes, SLO evaluation, rule files, runbook executions) loads in
// `start`: a one-shot command acting on incidents through Operations.create never loads the runbook
// reader, the execution service or the PromQL engine.

/**
 * The operations pipeline, wired: check results → rules → incidents → escalation → outbox →
 * channels. Each stage is a domain; this class and the parts beside it only connect them and own
 * their timers. Every result flows through one queue so incidents see alerts in the order checks produced them.
 */
export class Operations {
  readonly name = 'operations';
  private readonly work = new WorkQueue();
  /** Alerts from the events API waiting to be committed together. */
  private readonly ingestGroup = new IngestGroup(
    (job) => void this.enqueue(job),
    (events) => this.commit.onAlertEvents(events),
    (event) => this.commit.onAlertEvent(event),
  );
  private listeners = new Set<(e: OperationsEvent) => void>();
  private stopping = false;
  /** Runbook executions and the procedures run by `cron`. */
  private readonly procedures: Procedures;
  private readonly deadman: DeadmanSwitch;
  /** Resolves the overload incident once the event loop has stayed under the bound long enough. */
  private readonly overload: OverloadWatch;
  /** Pages, once a minute, the triggered incidents whose page never went out (see MissedPages). */
  private readonly missedPages: MissedPages;
  /** Raises an incident about opsbook for each incident it cannot page for (see StuckEscalations). */
  readonly stuckEscalations: StuckEscalations;
  /** Runs runbook steps; built on start, when the runbooks have been read. */
  get executions(): ExecutionService | undefined {
    return this.procedures.executions;
  }
  /** Pages from memory while the store cannot write for lack of space (see StoreFullMode). */
  readonly storeFull: StoreFullMode;
  /** Releases held pages when their window or silence ends. */
  private readonly heldPages: HeldPages;
  /** Alerts into incidents, and the incidents' effects out. */
  private readonly commit: AlertCommit;
  /** The rules' `for:` and `keep_firing_for` timers. */
  private readonly ruleTimers: RuleTimers;
  /** SLO and rule-file evaluation, under the singletons lease. */
  private readonly evaluators: SingletonEvaluators;
  /** Check results queued for the rules, and their hand-over at a stop. */
  private readonly results: CheckResultQueue;
  /** The checks this process runs, and their moves. */
  private readonly running: RunningChecks;
  /** What people do to incidents. */
  private readonly actions: IncidentActions;

  private constructor(
    private readonly daemon: OperationsHost,
    private readonly options: OperationsOptions,
    readonly alerts: AlertEngine,
    readonly incidents: IncidentService,
    readonly escalations: EscalationDriver,
    readonly outbox: OutboxWorker,
    private readonly effects: IncidentEffects,
    /** Verifies acknowledge/resolve links. */
    readonly actionKey: Uint8Array,
    /** Delivery metrics and failing channels. */
    readonly pagingWatch: PagingWatch,
    private readonly signer: ActionLinkSigner,
  ) {
    this.deadman = new DeadmanSwitch(() => daemon.config, daemon.clock, daemon.logger);
    this.procedures = new Procedures(daemon, (run) => this.enqueue(() => this.actions.procedureFailed(run)).then(() => undefined));
    this.stuckEscalations = new StuckEscalations({
      db: () => daemon.store.db,
      config: () => daemon.config,
      clock: daemon.clock,
      logger: daemon.logger,
      // Into the pipeline as the overload alert goes, under the lease of the broken incident's
      // partition: its holder is the process whose steps fail, and whose answer resolves it.
      run: (incidentId, work) => {
        const cluster = daemon.cluster;
        const token = cluster?.tokenFor(incidentId);
        if (cluster && !token) return false;
        void this.enqueue(() => runUnderLease(token, work));
        return true;
      },
      send: async (event) => (await this.commit.onAlertEvent(event))?.incident,
      ...(daemon.cluster ? { owns: (incidentId: string) => daemon.cluster!.tokenFor(incidentId) !== undefined } : {}),
    });
    this.missedPages = new MissedPages(daemon, effects, (work) => this.enqueue(work), this.stuckEscalations);
    this.storeFull = new StoreFullMode({
      config: () => daemon.config,
      connections: outbox.connections,
      clock: daemon.clock,
      logger: daemon.logger,
      // The proof of space is a real write, and a useful one: the audit log records the episode.
      probe: async (since, held) => {
        await appendAudit(daemon.store.db, daemon.store.dialect, { at: daemon.clock.now(), actor: 'system:store', action: 'store.writable', subject: 'store', details: { full_since: since, held } });
        await this.alerts.flush();
      },
      replay: (events) =>
        this.enqueue(async () => {
          // Each on its own: one the store refuses (logged, replayed again later) does not hold back the others.
          const failed: AlertEvent[] = [];
          for (const event of events) {
            await this.commit.onAlertEvent(event).catch((err: unknown) => {
              daemon.logger.error({ err, rule: event.ruleId, dedupKey: event.dedupKey }, 'alert paged from memory could not be recorded; tried again shortly');
              failed.push(event);
            });
          }
          // An incident recorded before its escalation could be: its page goes out now.
          await this.effects.reconcileEscalations();
          return failed;
        }),
    });
    this.overload = new OverloadWatch({
      clock: daemon.clock,
      loop: options.loopDelay ?? loopDelayMonitor(),
      boundMs: DEFAULT_LOOP_DELAY_BOUND_MS,
      onQuiet: (at, quietMs) => void this.enqueue(() => this.commit.onAlertEvent(overloadResolved(this.daemon.config, at, quietMs))),
    });
    // The parts read the flag as it is when they look.
    const stopping = () => this.stopping;
    const pipeline: Pipeline = {
      daemon,
      enqueue: <T>(work: () => Promise<T>, options?: EnqueueOptions) => this.enqueue(work, options),
      emit: (e) => this.emit(e),
      get stopping() {
        return stopping();
      },
    };
    const executions = () => this.executions;
    this.heldPages = new HeldPages(pipeline, incidents, effects);
    this.commit = new AlertCommit(pipeline, incidents, effects, this.storeFull, this.heldPages, executions);
    this.ruleTimers = new RuleTimers(pipeline, alerts, this.commit);
    this.evaluators = new SingletonEvaluators(pipeline, this.commit, executions);
    this.results = new CheckResultQueue(pipeline, this.work, alerts, this.commit, this.ruleTimers, this.overload);
    this.running = new RunningChecks({
      pipeline,
      probes: options.probes,
      alerts,
      ruleTimers: this.ruleTimers,
      heldPages: this.heldPages,
      results: this.results,
      escalations,
      stuckEscalations: this.stuckEscalations,
      leasesChanged: () => this.procedures.leasesChanged(),
    });
    this.actions = new IncidentActions(pipeline, incidents, effects, this.commit);
  }

  /** Latest result and probe state of a check; undefined until it has run. */
  checkState(checkId: string): CheckState | undefined {
    return this.results.checkState(checkId);
  }

  static async create(daemon: OperationsHost, options: OperationsOptions = {}): Promise<Operations> {
    // The domain services' callbacks reach the pipeline through `pipeline`: they run only after it exists.
    const pipeline: { ops?: Operations } = {};
    const d = await openDomains(daemon, pipeline);
    pipeline.ops = new Operations(daemon, options, d.alerts, d.incidents, d.escalations, d.outbox, d.effects, d.actionKey, d.watch, d.signer);
    if (d.ruleTokens) pipeline.ops.ruleTimers.ruleTokens = d.ruleTokens;
    return pipeline.ops;
  }

  on(listener: (e: OperationsEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    const { config, metrics } = this.daemon;
    if (this.options.delivery !== false) {
      this.outbox.start();
      this.deadman.start();
    }
    // Stuck incidents an earlier run raised resolve when their paging recovers (see StuckEscalations).
    await this.stuckEscalations.adopt().catch((err: unknown) => this.daemon.logger.error({ err }, 'open incidents about paging opsbook could not do were not read; they resolve when answered'));
    // The overload incident an earlier run left open resolves once this process's event loop has
    // stayed under the bound long enough; else nothing would resolve it until opsbook was late again.
    await this.adoptOverload().catch((err: unknown) => this.daemon.logger.error({ err }, 'an open overload incident could not be read; it resolves after opsbook is next late and then quiet'));
    await this.escalations.resume();
    await this.effects.reconcileEscalations();
    this.missedPages.start();
    if (this.options.probes === false) {
      this.ruleTimers.armAlertTimer();
      await this.heldPages.armReleaseTimer();
      return;
    }
    await this.running.start(config, metrics.registry);
    this.ruleTimers.armAlertTimer();
    await this.heldPages.armReleaseTimer();
    await this.evaluators.startSlos(config);
    await this.procedures.start(config);
    await this.evaluators.startRuleFiles(config);
  }

  private async adoptOverload(): Promise<void> {
    if (await findOpenIncidentByDedupKey(this.daemon.store.db, OVERLOAD_DEDUP_KEY)) this.overload.late(this.daemon.clock.now());
  }

  /**
   * The first step of a stop: no new work comes in — probing, the rule, SLO and rule-file timers
   * and the scheduled procedures stop (runs in flight are aborted). What is queued goes on draining.
   */
  stopIntake(): Promise<void> {
    this.intakeStopped ??= (async () => {
      this.stopping = true;
      this.ruleTimers.cancel();
      this.heldPages.cancel();
      this.missedPages.stop();
      this.evaluators.stop();
      this.running.cancelRetry();
      this.overload.stop();
      await this.running.stop();
      await this.procedures.stop();
    })();
    return this.intakeStopped;
  }

  private intakeStopped: Promise<void> | undefined;

  /** opsbook is forced out (a second signal): the runbook steps running are told to stop now. */
  abortSteps(why: string): void {
    this.procedures.abortSteps(why);
  }

  /** A clean stop's runbook steps: they get until `o.deadline`, then are stopped and recorded interrupted (see Procedures.stopSteps). */
  stopSteps(o: StopStepsOptions): Promise<number> {
    return this.procedures.stopSteps(o);
  }

  /**
   * How much longer than the shutdown deadline a stop may take: in a cluster, past the drain bound
   * the queued results are handed over and the step in progress gets up to a lease more to finish
   * under the leases, which the cluster frees after this stop.
   */
  get stopGraceMs(): number {
    return this.daemon.cluster ? this.daemon.config.storage.cluster.lease + 1000 : 0;
  }

  /**
   * Stops intake, then drains what is queued until `deadline` (in a cluster under the leases, which
   * the coordinator keeps renewing and frees after this stop); past it, hands the check results
   * still queued over (see CheckResultQueue.handOverQueued). Then the escalations and the outbox stop.
   */
  async stop(deadline = Infinity): Promise<void> {
    await this.stopIntake();
    this.results.releaseDrained();
    if (!(await this.results.idleBy(deadline))) await this.results.handOverQueued();
    // Under the leases still held: the settled states the rules released while the pipeline drained.
    await this.running.flushHistory();
    await this.storeFull.stop();
    await this.deadman.stop();
    await this.escalations.close();
    await this.outbox.stop();
    // A send that settled while stopping may have mended a failing channel (or found one failing):
    // its incident is opened or resolved now, before the store closes, or no later process would.
    await this.pagingWatch.settled();
  }

  async reload(config: OpsConfig): Promise<ReloadOutcome | void> {
    await this.enqueue(async () => {
      const cluster = this.daemon.cluster;
      const owned = ownedRules(config, cluster);
      await this.alerts.reload(owned.rules, owned.info);
      // A rule kept keeps the lease its state was held under; a new one is under its check's lease now.
      if (cluster) this.ruleTimers.ruleTokens = new Map(owned.rules.flatMap((r) => {
        const t = this.ruleTimers.ruleTokens.get(r.id) ?? cluster.tokenFor(r.checkId);
        return t ? [[r.id, t] as const] : [];
      }));
      this.incidents.configure(incidentConfig(config));
      this.escalations.configure(config.escalation_policies, config.schedules);
      this.outbox.setChannels(config.channels);
      this.signer.setPublicUrl(config.server.public_url);
      await this.evaluators.reload(config);
    });
    if (this.options.probes === false) return;
    await this.running.reloadChecks(config);
    if (!this.stopping) return this.procedures.reload(config);
  }

  /**
   * The leases this process holds changed (a process joined, died or this one lost the database):
   * only what changed moves (see RunningChecks.moveWork).
   */
  moveWork(): Promise<void> {
    // Held pages look for other members' writes only while there are other members (HeldPages.armReleaseTimer).
    this.heldPages.rearm();
    return this.running.moveWork();
  }

  /** Resolves once the moves of work begun so far are done (or failed, to be tried again). */
  workMoved(): Promise<void> {
    return this.running.workMoved();
  }

  /**
   * A result produced elsewhere (`opsbook test`'s series), with the probe state the caller settled it
   * to, enters exactly where a probe's would; resolves once the pipeline has handled it.
   */
  async injectCheckResult(result: CheckResult, probe: ProbeSnapshot): Promise<void> {
    this.results.onResult(result, probe);
    await this.idle();
  }

  /**
   * Resolves once every result, alert and timer callback queued so far has been handled, the
   * escalation driver's run included: a simulated clock that moved on while a step was still
   * talking to the store would arm the next step in its past, to run late.
   */
  async idle(): Promise<void> {
    await this.work.idle();
    await this.escalations.idle();
    // What the steps set off (their effects) is queued work too.
    await this.work.idle();
  }

  /**
   * Holds the pipeline after the step in progress until the function answered is called: check
   * results, alerts and a person's actions queue meanwhile, while the checks go on running and their
   * history on being stored — a pipeline far behind its checks, as on a loaded machine, made at will.
   */
  holdPipeline(): () => void {
    return this.work.hold();
  }

  /**
   * Resolves once the probes in flight have finished and the scheduled procedures launched have
   * recorded their starts (each waited for at most `maxMs` of real time), and the pipeline has
   * handled the results. A simulated clock calls it between its steps.
   */
  async settle(maxMs: number): Promise<void> {
    await this.probesSettled(maxMs);
    await this.procedures.started(maxMs);
    await this.idle();
  }

  /** Resolves once the probes in flight have finished (waiting at most `maxMs` of real time), the pipeline aside. */
  probesSettled(maxMs: number): Promise<void> {
    return this.running.settled(maxMs);
  }

  /**
   * An alert from outside (the events API) enters the same pipeline as checks' alerts. Alerts that
   * arrive while the pipeline is busy are handled together, one transaction for all (group commit).
   */
  ingest(event: AlertEvent): Promise<IncidentResult | undefined> {
    this.work.backlog++;
    return this.ingestGroup.add(event).finally(() => {
      this.work.backlog--;
    });
  }

  /** Alerts from outside waiting in the pipeline or being handled: ingest refuses more past its bound. */
  get ingestBacklog(): number {
    return this.work.backlog;
  }

  /**
   * Alerts that arrived together (one Alertmanager notification): repeats the cache knows are
   * dropped, the rest go through the incident engine in one transaction, then each result's effects.
   * One result per event (undefined for a repeat).
   */
  ingestBatch(events: readonly AlertEvent[]): Promise<(IncidentResult | undefined)[]> {
    // Counted in the ingest backlog like single alerts, so load shedding sees batches too.
    this.work.backlog += events.length;
    return this.enqueue(() => this.commit.onAlertEvents(events)).finally(() => {
      this.work.backlog -= events.length;
    });
  }

  /** Ends a runtime silence now; the pages it held go out (or are dropped) as its `on_end` says. */
  expireSilence(id: string, actor: Actor): Promise<IncidentEffect[]> {
    return this.heldPages.expireSilence(id, actor);
  }

  /** A person moves an incident along (see IncidentActions.act); a state already reached is no error. */
  act(id: string, action: 'acknowledge' | 'investigate' | 'mitigate' | 'resolve' | 'review', actor: Actor, note?: string): Promise<Incident> {
    return this.actions.act(id, action, actor, note);
  }

  /** Escalate now: the incident's next escalation step is paged at once (see `escalateNow`). */
  escalate(id: string, actor: Actor, note?: string): Promise<Incident> {
    return this.actions.escalate(id, actor, note);
  }

  /** Adds a person as a responder and pages them while the incident is open (see `addResponder`). */
  addResponder(id: string, person: string, actor: Actor): Promise<Incident> {
    return this.actions.addResponder(id, person, actor);
  }

  /** A person changes the incident's severity; its running escalation is revised with it (see IncidentActions.changeSeverity). */
  changeSeverity(id: string, severity: string, actor: Actor, note?: string): Promise<Incident> {
    return this.actions.changeSeverity(id, severity, actor, note);
  }

  /** Opens an incident by hand with its response roles given at once (commander, communications, responders). */
  declare(input: Parameters<IncidentService['create']>[0] & { roles?: Array<{ role: IncidentRole; person: string }> }, actor: Actor): Promise<Incident> {
    return this.actions.declare(input, actor);
  }

  /** Opens an incident by hand, its escalation and first pages committed with it (see IncidentActions.createIncident). */
  createIncident(input: Parameters<IncidentService['create']>[0], actor: Actor): Promise<Incident> {
    return this.actions.createIncident(input, actor);
  }

  /** Opens an incident as createIncident does, unless `alreadyOpen` answers true in its transaction (see IncidentService.createUnless). */
  createIncidentUnless(input: Parameters<IncidentService['create']>[0], actor: Actor, alreadyOpen: Parameters<IncidentService['createUnless']>[2]): Promise<Incident | undefined> {
    return this.actions.createIncidentUnless(input, actor, alreadyOpen);
  }

  private enqueue<T>(work: () => Promise<T>, { answered = false, ...options }: EnqueueOptions = {}): Promise<T> {
    const run = this.work.push(work, options);
    void run.then(
      () => undefined,
      // A person's refused action (a bad transition) is answered to them, not logged as a failure.
      (raw: unknown) => {
        // A person's action is answered with its error by its caller, which logs it once with its
        // cause (the API and the UI) or prints it (the CLI): logged here too, it would be told twice.
        if (answered) return;
        const e = namedStoreError(raw);
        // A store held by another process or out of reach is passing: named, with its cause, no stack.
        if (retryAfterSeconds(e) !== undefined) {
          const cause = (e as Error).cause as { message?: unknown } | undefined;
          return this.daemon.logger.warn({ code: (e as OpsbookError).code, cause: String(cause?.message ?? '') }, 'operations pipeline step refused by the store');
        }
        if (!isOpsbookError(e) || e.kind === 'internal' || e.kind === 'unavailable') this.daemon.logger.error({ err: e }, 'operations pipeline step failed');
      },
    );
    return run;
  }

  private emit(e: OperationsEvent): void {
    for (const l of this.listeners) l(e);
  }
}
