import { isDeepStrictEqual } from 'node:util';
import type { OpsConfig } from '../../config/index.js';
import { AlertEngine, buildRules, checkInfoFromConfig, type AlertEvent } from '../../alerts/index.js';
import type { RuleFileEngine } from '../../alerts/rule-files/index.js';
import { createCheckRunner, DEFAULT_LOOP_DELAY_BOUND_MS, loopDelayMonitor, type CheckResult, type CheckRunner, type ProbeSnapshot } from '../../checks/index.js';
import { IncidentService, type Incident, type IncidentEffect, type IncidentResult, type IncidentRole, type ReleasedPages } from '../../incidents/index.js';
import { ActionLinkSigner, loadActionKey, OutboxWorker } from '../../notify/index.js';
import { EscalationDriver } from '../../oncall/index.js';
import type { Actor } from '../../identity/index.js';
import { isOpsbookError, type OpsbookError } from '../../lib/errors/index.js';
import type { ExecutionService, UnattendedRun } from '../../executions/index.js';
import { configuredLadder, OPEN_STATES } from '../../incidents/index.js';
import type { SloEvaluator } from '../../slos/index.js';
import type { OperationsHost, ReloadOutcome } from './host.js';
import { IncidentEffects, type StartedInTransaction } from './effects.js';
import { addResponder, escalateNow, type EscalateDeps } from './escalate.js';
import { FiringAlerts } from './firing-alerts.js';
import { WorkQueue } from './work-queue.js';
import { IngestGroup } from './ingest-batch.js';
import { overloadAlert, overloadResolved, OverloadWatch, type LoopLateness } from './overload.js';
import { personalRules } from './paging.js';
import { PagingWatch } from './paging-watch.js';
import { DeadmanSwitch } from './deadman.js';
import { StoreFullMode } from './store-full.js';
import { Procedures } from './procedures.js';
import { MissedPages } from './missed-pages.js';
import { StuckEscalations } from './stuck-escalations.js';
import { appendAudit, forgetHandedOver, forgetSettledProbes, handedOver, handOverResults, isStoreFull, namedStoreError, retryAfterSeconds, type Database, type LeaseToken } from '../../store/index.js';
import { leaseOf, outsideLease, runUnderLease, SINGLETONS_LEASE, type ClusterCoordinator } from '../../cluster/index.js';
import { newId } from '../../lib/ids.js';
import { rearmAfter, RETRY_AFTER_ERROR_MS } from '../../lib/rearm.js';
import type { AlertEngineOptions, CommitEvents } from '../../alerts/engine.js';
import type { Transaction } from 'kysely';

/** States in which an action has nothing left to do. */
const ALREADY: Record<'acknowledge' | 'investigate' | 'mitigate' | 'resolve' | 'review', readonly string[]> = {
  acknowledge: ['acknowledged', 'investigating', 'mitigated'],
  investigate: ['investigating'],
  mitigate: ['mitigated'],
  resolve: ['resolved', 'reviewed'],
  review: ['reviewed'],
};

/** How long a repeat of a firing alert is answered from memory (see `firingAlerts`). */
const DEDUP_WINDOW_MS = 60_000;

/** How long after a release whose page could not be written it is tried again. */
const RELEASE_RETRY_MS = 5_000;

/** A check's latest result and its settled probe state. */
export interface CheckState {
  result: CheckResult;
  probe: ProbeSnapshot;
}

/** A check result waiting in the pipeline, with the lease its check ran under. */
interface QueuedResult {
  result: CheckResult;
  probe: ProbeSnapshot;
  lease?: LeaseToken;
}

/** Listeners for what happened, e.g. the UI's live updates. */
export type OperationsEvent =
  | { type: 'check'; result: CheckResult }
  | { type: 'incident'; incident: Incident };


export interface OperationsOptions {
  /** Run the checks on their schedule (default true). Off, results come only from `injectCheckResult`. */
  probes?: boolean;
  /** Deliver the outbox through the channels (default true). Off, rows stay pending for the caller to read. */
  delivery?: boolean;
  /** Where the overload watch reads opsbook's event-loop delay (default: the process's monitor). */
  loopDelay?: LoopLateness;
}

/** The groups of `rule_files:`; the config load has already refused files with problems. */
async function ruleGroupsOf(config: OpsConfig, baseDir: string) {
  const { loadConfiguredRuleFiles } = await import('../../alerts/rule-files/index.js');
  return loadConfiguredRuleFiles(config.rule_files.files, baseDir).groups;
}

// What only a running daemon needs (probes, SLO evaluation, rule files, runbook executions) loads in
// `start`: a one-shot command acting on incidents through Operations.create never loads the runbook
// reader, the execution service or the PromQL engine.

/** The checks this process runs (all of them, unless several processes share the store), with the lease each runs under. */
function ownedChecks(config: OpsConfig, cluster: ClusterCoordinator | undefined): { checks: OpsConfig['checks']; tokens: Map<string, LeaseToken> } {
  const tokens = new Map<string, LeaseToken>();
  if (!cluster) return { checks: config.checks, tokens };
  const checks = config.checks.filter((c) => {
    const t = cluster.tokenFor(c.id);
    if (t) tokens.set(c.id, t);
    return t !== undefined;
  });
  return { checks, tokens };
}

/** The rules of the checks this process runs: a check and the rules that read it have one owner. */
function ownedRules(config: OpsConfig, cluster: ClusterCoordinator | undefined) {
  const info = checkInfoFromConfig(config.checks);
  const rules = buildRules([...info.values()], config.rules);
  return { rules: cluster ? rules.filter((r) => cluster.tokenFor(r.checkId) !== undefined) : rules, info };
}

/** The lease each rule's state is held under: its check's (the token `tokenOfCheck` gives for it now). */
function ruleLeases(rules: ReadonlyArray<{ id: string; checkId: string }>, tokenOfCheck: (checkId: string) => LeaseToken | undefined): Map<string, LeaseToken> {
  const out = new Map<string, LeaseToken>();
  for (const r of rules) {
    const t = tokenOfCheck(r.checkId);
    if (t) out.set(r.id, t);
  }
  return out;
}

function alertEngineOptions(cluster: ClusterCoordinator | undefined): AlertEngineOptions {
  return cluster ? { prune: false, fence: (trx) => cluster.fence(trx, 'rule state') } : {};
}

/** A full store's alerts were paged from memory (onAlertEvents); any other failure is the pipeline's. */
function pagedFromMemory(e: unknown): void {
  if (!isStoreFull(e)) throw e;
}

function incidentConfig(config: OpsConfig) {
  return { severities: config.severities, businessHours: config.business_hours, maintenance: config.maintenance, silences: config.silences };
}

/**
 * The operations pipeline, wired: check results → rules → incidents → escalation → outbox →
 * channels. Each stage is a domain; this class only connects them and owns their timers. Every
 * result flows through one queue so incidents see alerts in the order checks produced them.
 */
export class Operations {
  readonly name = 'operations';
  private checks: CheckRunner | undefined;
  private readonly work = new WorkQueue();
  /** Alerts from the events API waiting to be committed together. */
  private readonly ingestGroup = new IngestGroup(
    (job) => void this.enqueue(job),
    (events) => this.onAlertEvents(events),
    (event) => this.onAlertEvent(event),
  );
  private cancelAlertTimer: (() => void) | undefined;
  private cancelReleaseTimer: (() => void) | undefined;
  private listeners = new Set<(e: OperationsEvent) => void>();
  private stopping = false;
  private readonly latest = new Map<string, CheckState>();
  /**
   * Alerts known to be firing in an open incident, by dedup key. Senders repeat a firing alert
   * (Alertmanager every group_interval, event sources on every evaluation); a repeat with the same
   * severity within DEDUP_WINDOW_MS changes nothing and skips the store. Any change to the incident
   * through this process drops its entries; other processes' changes are seen within the window.
   */
  private readonly firingAlerts = new FiringAlerts(DEDUP_WINDOW_MS);
  /** Runbook executions and the procedures run by `cron`. */
  private readonly procedures: Procedures;
  private readonly deadman: DeadmanSwitch;
  /** Resolves the overload incident once the event loop has stayed under the bound long enough. */
  private readonly overload: OverloadWatch;
  /** Pages, once a minute, the triggered incidents whose page never went out (see MissedPages). */
  private readonly missedPages: MissedPages;
  /** Raises an incident about opsbook for each incident it cannot page for (see StuckEscalations). */
  readonly stuckEscalations: StuckEscalations;
  private slos: SloEvaluator | undefined;
  private cancelSloTimer: (() => void) | undefined;
  private ruleFiles: RuleFileEngine | undefined;
  private cancelRuleFileTimer: (() => void) | undefined;
  /** Runs runbook steps; built on start, when the runbooks have been read. */
  get executions(): ExecutionService | undefined {
    return this.procedures.executions;
  }
  /** Pages from memory while the store cannot write for lack of space (see StoreFullMode). */
  readonly storeFull: StoreFullMode;

  private constructor(
    private readonly daemon: OperationsHost,
    private readonly options: OperationsOptions,
    public alerts: AlertEngine,
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
    this.procedures = new Procedures(daemon, (run) => this.enqueue(() => this.procedureFailed(run)).then(() => undefined));
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
      send: async (event) => (await this.onAlertEvent(event))?.incident,
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
            await this.onAlertEvent(event).catch((err: unknown) => {
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
      onQuiet: (at, quietMs) => void this.enqueue(() => this.onAlertEvent(overloadResolved(this.daemon.config, at, quietMs))),
    });
  }

  /** Latest result and probe state of a check; undefined until it has run. */
  checkState(checkId: string): CheckState | undefined {
    return this.latest.get(checkId);
  }

  static async create(daemon: OperationsHost, options: OperationsOptions = {}): Promise<Operations> {
    const { store, clock, config, logger } = daemon;
    const cluster = daemon.cluster;
    const owned = ownedRules(config, cluster);
    // Taken with the rules, before their state is read: the leases their timers write under.
    const ruleTokens = cluster ? ruleLeases(owned.rules, (checkId) => cluster.tokenFor(checkId)) : undefined;
    const alerts = await AlertEngine.open(store, clock, owned.rules, owned.info, alertEngineOptions(cluster));
    const incidents = new IncidentService(store, clock, incidentConfig(config));
    if (cluster) incidents.fence = (trx) => cluster.fence(trx, 'incident write');
    const signer = await ActionLinkSigner.fromStore(store.db, clock, config.server.public_url);
    // The driver's and the worker's callbacks reach the effects through `holder`: they run only after it exists.
    const holder: { effects?: IncidentEffects; watch?: PagingWatch; ops?: Operations } = {};
    const escalations = new EscalationDriver({
      store,
      clock,
      policies: config.escalation_policies,
      schedules: config.schedules,
      logger,
      rules: (user, severity) => personalRules(daemon.config, user, severity),
      onNotice: (notice, trx) => holder.effects!.onNotice(notice, trx),
      // A step writes its pages' timeline lines: the incident writers' lock first, as every incident write.
      lock: (trx) => holder.effects!.lockIncidentWrites(trx),
      onCommitted: () => holder.effects!.afterCommit(),
      // A step that keeps failing raises an incident about opsbook; one that runs again resolves it.
      onStepFailed: (incidentId, failure) => holder.ops?.stuckEscalations.stepFailed(incidentId, failure.err, failure.attempts),
      onStepRan: (incidentId) => holder.ops?.stuckEscalations.stepRan(incidentId),
      ...(cluster
        ? {
            owns: (incidentId: string) => cluster.tokenFor(incidentId) !== undefined,
            // Not held any more: a token no lease has, so fencing refuses it.
            fence: (incidentId: string, trx) => cluster.fence(trx, 'escalation step', cluster.tokenFor(incidentId) ?? { lease: leaseOf(incidentId, config.storage.cluster.partitions), epoch: -1 }),
            pollMs: Math.max(200, Math.floor(config.storage.cluster.lease / 3)),
          }
        : {}),
    });
    const outbox = new OutboxWorker({
      store,
      clock,
      channels: config.channels,
      logger,
      // Its leases are the member's: when this process's heartbeat lapses, the others send what it was sending.
      ...(cluster ? { owner: cluster.id } : {}),
      linkSigner: signer,
      onSettled: (e) => {
        holder.watch?.onSettled(e);
        void holder.effects!.recordDelivery(e);
      },
      settleIn: (trx, settle) => holder.effects!.settleDeliveries(trx, settle),
    });
    holder.effects = new IncidentEffects(daemon, incidents, escalations, outbox);
    holder.watch = new PagingWatch(
      {
        store,
        clock,
        config: () => daemon.config,
        logger,
        open: (input, actor) => holder.ops!.createIncident(input, actor),
        resolve: async (id, actor, note) => {
          await holder.ops!.act(id, 'resolve', actor, note);
        },
      },
      daemon.metrics.registry,
    );
    holder.ops = new Operations(daemon, options, alerts, incidents, escalations, outbox, holder.effects, await loadActionKey(store.db, clock), holder.watch, signer);
    if (ruleTokens) holder.ops.ruleTokens = ruleTokens;
    return holder.ops;
  }

  on(listener: (e: OperationsEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    const { config, store, clock, metrics } = this.daemon;
    if (this.options.delivery !== false) {
      this.outbox.start();
      this.deadman.start();
    }
    // Stuck incidents an earlier run raised resolve when their paging recovers (see StuckEscalations).
    await this.stuckEscalations.adopt().catch((err: unknown) => this.daemon.logger.error({ err }, 'open incidents about paging opsbook could not do were not read; they resolve when answered'));
    await this.escalations.resume();
    await this.effects.reconcileEscalations();
    this.missedPages.start();
    if (this.options.probes === false) {
      this.armAlertTimer();
      await this.armReleaseTimer();
      return;
    }
    this.checks = this.buildCheckRunner(config, metrics.registry);
    await this.rulesToChecksHeld();
    await this.resumeHandedOver();
    await this.checks.start();
    this.armAlertTimer();
    await this.armReleaseTimer();
    const { SloEvaluator, slosFromConfig } = await import('../../slos/index.js');
    this.slos = await SloEvaluator.open(store, clock, slosFromConfig(config).slos, (slo, err) => this.daemon.logger.error({ err, slo }, 'SLO alert evaluation failed; tried again at the next minute'));
    this.armSloTimer();
    await this.procedures.start(config);
    await this.startRuleFiles(config);
  }

  /** Prometheus rule files (`rule_files:`): their groups run on the daemon's clock over the host's series. */
  private async startRuleFiles(config: OpsConfig): Promise<void> {
    const { store, clock, logger, baseDir } = this.daemon;
    if (baseDir === undefined) return;
    const [{ RuleFileEngine }, { MemorySeriesSource }, { resolveRunbookLink }] = await Promise.all([
      import('../../alerts/rule-files/index.js'),
      import('../../promql/index.js'),
      import('../../runbooks/index.js'),
    ]);
    this.ruleFiles = await RuleFileEngine.open({
      store,
      clock,
      source: this.daemon.series ?? new MemorySeriesSource(),
      groups: await ruleGroupsOf(config, baseDir),
      defaultInterval: config.rule_files.evaluation_interval,
      ladder: () => configuredLadder(this.daemon.config.severities).ids,
      settings: () => this.daemon.config.rule_files.alerts,
      externalURL: () => this.daemon.config.server.public_url,
      // Runbook annotations resolve as the Alertmanager ingest resolves them, against the runbooks read at start.
      resolveRunbook: (link, labels) =>
        resolveRunbookLink(this.executions?.deps.runbooks ?? [], link, { urlPrefixes: this.daemon.config.runbooks.url_prefixes, ...(labels.alertname ? { alertName: labels.alertname } : {}) }),
      onError: (group, err) => logger.warn({ err, group: group.name, file: group.file }, 'rule group evaluation failed'),
      onStoreError: (group, err) => logger.error({ err, group: group.name, file: group.file }, 'rule group alert state could not be stored; its alerts go on, the state is written at its next evaluation'),
    });
    this.armRuleFileTimer();
  }

  /** Rule-file alerts enter the pipeline like any other alert, as each group's evaluation finds them. */
  private armRuleFileTimer(notBefore?: number): void {
    this.cancelRuleFileTimer?.();
    this.cancelRuleFileTimer = this.armEvaluator(this.ruleFiles, (later) => this.armRuleFileTimer(later), notBefore);
  }

  /** Burn-rate alerts enter the pipeline like any other alert, once a minute as rollups close. */
  private armSloTimer(notBefore?: number): void {
    this.cancelSloTimer?.();
    this.cancelSloTimer = this.armEvaluator(this.slos, (later) => this.armSloTimer(later), notBefore);
  }

  /**
   * Sets a timer for an evaluator's next due instant; when it fires, its alert events go through the
   * pipeline's queue and `rearm` sets the next one. Answers the timer's cancel, or undefined.
   */
  private armEvaluator(
    evaluator: { nextDueAt(): number | undefined; tick(): Promise<AlertEvent[]> } | undefined,
    rearm: (notBefore?: number) => void,
    notBefore = -Infinity,
  ): (() => void) | undefined {
    const next = evaluator?.nextDueAt();
    const due = next === undefined ? undefined : Math.max(next, notBefore);
    if (due === undefined || this.stopping) return undefined;
    // Re-armed under the singletons lease it ran under: the next run takes the lease held then.
    return outsideLease(() => this.daemon.clock.at(due, () => {
      void this.enqueue(async () => {
        // Shared store: one process (the holder of the singletons lease) evaluates rule files and SLOs.
        const cluster = this.daemon.cluster;
        const lease = cluster?.singletons;
        if (cluster && !lease) return rearm(this.daemon.clock.now() + Math.max(200, Math.floor(this.daemon.config.storage.cluster.lease / 3)));
        // Whatever fails here, the next evaluation is armed: an error must not end alerting.
        await rearmAfter(
          this.daemon.clock,
          () =>
            runUnderLease(lease, async () => {
              for (const event of await evaluator!.tick()) {
                await this.onAlertEvent(event).catch((err: unknown) => this.daemon.logger.error({ err, rule: event.ruleId, dedupKey: event.dedupKey, kind: event.kind }, 'alert event could not be handled'));
              }
            }),
          rearm,
          (err) => this.daemon.logger.error({ err }, 'alert evaluation failed; evaluating again when next due'),
        );
      });
    }));
  }

  /** A procedure run by `cron` that did not pass opens an incident (restore test, DR drill, morning checks). */
  private async procedureFailed(run: UnattendedRun): Promise<void> {
    const severity = configuredLadder(this.daemon.config.severities).aboutOpsbook;
    await this.createIncident(
      {
        title: `Scheduled procedure ${run.procedure} did not pass`,
        severity,
        labels: { procedure: run.procedure, execution: run.id },
        runbook: run.procedure,
      },
      { name: 'system:scheduler', role: 'admin', via: 'system' },
    );
  }

  /**
   * The first step of a stop: no new work comes in — probing, the rule, SLO and rule-file timers
   * and the scheduled procedures stop (runs in flight are aborted). What is queued goes on draining.
   */
  stopIntake(): Promise<void> {
    this.intakeStopped ??= (async () => {
      this.stopping = true;
      this.cancelAlertTimer?.();
      this.cancelReleaseTimer?.();
      this.missedPages.stop();
      this.cancelSloTimer?.();
      this.cancelRuleFileTimer?.();
      this.cancelMoveRetry?.();
      this.overload.stop();
      await this.checks?.stop();
      await this.procedures.stop();
    })();
    return this.intakeStopped;
  }

  private intakeStopped: Promise<void> | undefined;

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
   * still queued over (see handOverQueued). Then the escalations and the outbox stop.
   */
  async stop(deadline = Infinity): Promise<void> {
    await this.stopIntake();
    this.releaseDrained();
    if (!(await this.idleBy(deadline))) await this.handOverQueued();
    await this.storeFull.stop();
    await this.deadman.stop();
    await this.escalations.close();
    await this.outbox.stop();
  }

  async reload(config: OpsConfig): Promise<ReloadOutcome | void> {
    await this.enqueue(async () => {
      const cluster = this.daemon.cluster;
      const owned = ownedRules(config, cluster);
      await this.alerts.reload(owned.rules, owned.info);
      // A rule kept keeps the lease its state was held under; a new one is under its check's lease now.
      if (cluster) this.ruleTokens = new Map(owned.rules.flatMap((r) => {
        const t = this.ruleTokens.get(r.id) ?? cluster.tokenFor(r.checkId);
        return t ? [[r.id, t] as const] : [];
      }));
      this.incidents.configure(incidentConfig(config));
      this.escalations.configure(config.escalation_policies, config.schedules);
      this.outbox.setChannels(config.channels);
      this.signer.setPublicUrl(config.server.public_url);
      if (this.slos) this.slos.reload((await import('../../slos/index.js')).slosFromConfig(config).slos);
      this.armSloTimer();
      if (this.ruleFiles && this.daemon.baseDir !== undefined) {
        for (const event of await this.ruleFiles.reload(await ruleGroupsOf(config, this.daemon.baseDir), config.rule_files.evaluation_interval)) await this.onAlertEvent(event);
        this.armRuleFileTimer();
      }
    });
    if (this.options.probes === false) return;
    await this.reloadChecks(config);
    if (!this.stopping) return this.procedures.reload(config);
  }

  /**
   * Only the checks a reload changed move: those gone stop (a run in flight is aborted), those new
   * start at their phase, those whose definition changed are replaced; the others run on untouched,
   * a run in flight included. Taken in turn with the lease moves, which add and remove checks too.
   */
  private reloadChecks(config: OpsConfig): Promise<void> {
    const change = this.moving.then(() => this.applyCheckChanges(config));
    this.moving = change.catch((err: unknown) => this.daemon.logger.error({ err }, 'could not apply the reloaded checks'));
    return change;
  }

  private async applyCheckChanges(config: OpsConfig): Promise<void> {
    const checks = this.checks;
    const cluster = this.daemon.cluster;
    if (this.stopping || !checks) return;
    this.stopLostChecks();
    const owned = ownedChecks(config, cluster);
    const running = checks.definitions();
    const wanted = new Set(owned.checks.map((c) => c.id));
    const gone = [...running.keys()].filter((id) => !wanted.has(id));
    const changed = owned.checks.filter((c) => running.has(c.id) && !isDeepStrictEqual(running.get(c.id), c));
    const added = owned.checks.filter((c) => !running.has(c.id));
    if (cluster) {
      for (const id of gone) this.checkTokens.delete(id);
      for (const c of owned.checks) this.checkTokens.set(c.id, owned.tokens.get(c.id)!);
      cluster.setChecksOwned(this.checkTokens.size);
    }
    if (gone.length === 0 && changed.length === 0 && added.length === 0) return;
    await checks.remove(gone);
    // Gone from the config, their rules' state is dropped too: added back later, a check starts unknown.
    if (gone.length > 0) await forgetSettledProbes(this.daemon.store.db, gone);
    if (this.stopping) return;
    // A changed check keeps what it learned of its target: one settled down keeps its incident open.
    await checks.replace(changed);
    if (this.stopping) return;
    await checks.add(added);
    this.daemon.logger.info({ removed: gone.length, replaced: changed.length, added: added.length }, 'checks changed by the reload');
  }

  /**
   * The checks this process runs: all of them, or (several processes on one PostgreSQL) those of
   * the partitions it holds. Each result and the writes it causes carry the lease its check ran
   * under, so a result produced after the lease passed on cannot be written.
   */
  private buildCheckRunner(config: OpsConfig, registry?: OperationsHost['metrics']['registry']): CheckRunner {
    const cluster = this.daemon.cluster;
    const { checks, tokens } = ownedChecks(config, cluster);
    this.checkTokens = tokens;
    cluster?.setChecksOwned(checks.length);
    // Looked up as each result comes: a lease move changes them (see moveWork), and stops a check
    // whose lease went before any later result of it, so a result carries the lease it ran under.
    const tokenOf = (id: string) => this.checkTokens.get(id);
    return createCheckRunner({
      checks,
      clock: this.daemon.clock,
      store: this.daemon.store,
      ...(registry ? { registry } : {}),
      logger: this.daemon.logger,
      retention: { rawMs: config.storage.retention.check_results, rollupsMs: config.storage.retention.check_rollups },
      ...(this.daemon.historyFlushMs !== undefined ? { historyFlushMs: this.daemon.historyFlushMs } : {}),
      ...(this.daemon.historyRollupMs !== undefined ? { rollupEveryMs: this.daemon.historyRollupMs } : {}),
      ...(this.daemon.samples ? { samples: this.daemon.samples } : {}),
      onResult: (result, probe) => this.onResult(result, probe, tokenOf(result.checkId)),
      ...(cluster
        ? {
            leaseOf: tokenOf,
            admitResults: async (trx, results) => {
              const tokens = new Map(results.flatMap((r) => (r.lease ? [[`${r.lease.lease}@${r.lease.epoch}`, r.lease] as const] : [])));
              const held = await cluster.admit(trx, [...tokens.values()], 'check results');
              return results.filter((r) => r.lease && held.has(`${r.lease.lease}@${r.lease.epoch}`));
            },
          }
        : {}),
    });
  }

  /**
   * The rules were chosen with the leases held when the pipeline was created; the checks, with those
   * held at its start. A partition gained (or lost, or lost and gained back) in between moved no work
   * then (there was nothing to move yet): its rules follow its checks now, a gained one's state read
   * from the store.
   */
  private async rulesToChecksHeld(): Promise<void> {
    if (!this.daemon.cluster) return;
    const owned = ownedRules(this.daemon.config, this.daemon.cluster);
    const rules = owned.rules.filter((r) => this.checkTokens.has(r.checkId));
    const tokens = ruleLeases(rules, (checkId) => this.checkTokens.get(checkId));
    const gained = new Set(rules.filter((r) => this.ruleTokens.get(r.id)?.epoch !== tokens.get(r.id)?.epoch).map((r) => r.id));
    if (gained.size === 0 && rules.length === this.ruleTokens.size) return;
    await this.enqueue(async () => {
      await this.alerts.move(rules, owned.info, gained);
      this.ruleTokens = tokens;
    }, { urgent: true });
  }

  /**
   * The leases this process holds changed (a process joined, died or this one lost the database):
   * only what changed moves. The checks of the partitions kept run on untouched, and their rules keep
   * their state in memory; those of partitions lost stop, and their rules are dropped; those of
   * partitions gained start at their phase, and their rules' state is read back from the store, where
   * the last owner left it. The escalations follow.
   */
  moveWork(): Promise<void> {
    this.cancelMoveRetry?.();
    this.cancelMoveRetry = undefined;
    // A process that has just taken the singletons lease runs the scheduled procedures that fell due meanwhile.
    this.procedures.leasesChanged();
    this.stopLostChecks();
    // Changes that arrive while a move waits are taken by it: it reads the leases when it runs.
    this.nextMove ??= this.moving.then(() => {
      this.nextMove = undefined;
      return this.doMoveWork();
    });
    this.moving = this.nextMove.catch((err: unknown) => {
      // The leases are held all the same: the move is tried again shortly, or their checks would go
      // unrun (and their pages unsent) until the next lease change.
      this.daemon.logger.error({ err }, 'could not move work after a lease change; trying again shortly');
      this.retryMove();
    });
    return this.moving;
  }

  private retryMove(): void {
    if (this.stopping || this.cancelMoveRetry) return;
    const clock = this.daemon.clock;
    this.cancelMoveRetry = outsideLease(() => clock.at(clock.now() + RETRY_AFTER_ERROR_MS, () => {
      this.cancelMoveRetry = undefined;
      void this.moveWork();
    }));
  }

  private moving: Promise<void> = Promise.resolve();
  private cancelMoveRetry: (() => void) | undefined;
  /** The lease each running check runs under, by check id. */
  private checkTokens = new Map<string, LeaseToken>();
  private nextMove: Promise<void> | undefined;

  /**
   * Checks whose lease is gone (or came back under another epoch) stop now, not when the pipeline
   * reaches the move: a process that lost PostgreSQL may have a pipeline step hanging on it, and must
   * not go on probing. Their runs in flight are aborted; results already recorded carry the lease
   * they ran under, and fencing refuses them.
   */
  private stopLostChecks(): void {
    const cluster = this.daemon.cluster;
    if (!cluster || !this.checks) return;
    const lost = [...this.checkTokens].filter(([, t]) => cluster.tokenOf(t.lease)?.epoch !== t.epoch).map(([id]) => id);
    if (lost.length === 0) return;
    for (const id of lost) this.checkTokens.delete(id);
    void this.checks.remove(lost);
    cluster.setChecksOwned(this.checkTokens.size);
  }

  private async doMoveWork(): Promise<void> {
    const { config, cluster } = this.daemon;
    if (this.stopping || this.options.probes === false || !this.checks || !cluster) return;
    this.stopLostChecks();
    const owned = ownedChecks(config, cluster);
    const gained = owned.checks.filter((c) => !this.checkTokens.has(c.id));
    const gainedIds = new Set(gained.map((c) => c.id));
    const rules = ownedRules(config, cluster);
    // Only the rules of the partitions gained read the store; the pipeline waits for no more than that.
    await this.enqueue(async () => {
      await this.alerts.move(rules.rules, rules.info, new Set(rules.rules.filter((r) => gainedIds.has(r.checkId)).map((r) => r.id)));
      // Read together with the rules: a kept rule's lease has the epoch it had (a lease lost and
      // taken again counts as gained, and its rules' state is read again).
      this.ruleTokens = ruleLeases(rules.rules, (checkId) => owned.tokens.get(checkId));
      this.refusedLeases.clear();
      this.armAlertTimer();
      // Held pages of the partitions gained whose window ended meanwhile are released now.
      await this.armReleaseTimer();
    }, { urgent: true });
    if (this.stopping) return;
    // A lease lost again while the rules moved is left to the next move.
    const starting = gained.filter((c) => cluster.tokenOf(owned.tokens.get(c.id)!.lease)?.epoch === owned.tokens.get(c.id)!.epoch);
    for (const c of starting) this.checkTokens.set(c.id, owned.tokens.get(c.id)!);
    cluster.setChecksOwned(this.checkTokens.size);
    try {
      await this.resumeHandedOver();
      await this.checks.add(starting);
    } catch (e) {
      // Not started: they are gained again at the move tried next.
      for (const c of starting) this.checkTokens.delete(c.id);
      cluster.setChecksOwned(this.checkTokens.size);
      throw e;
    }
    this.daemon.logger.info({ leases: [...cluster.leases.keys()], checks: this.checkTokens.size, started: starting.length }, 'cluster: checks moved to the leases held now');
    void this.escalations.tick().catch(() => undefined);
    // The incidents about stuck paging of the partitions gained are resolved here from now on.
    void this.stuckEscalations.adopt().catch(() => undefined);
  }

  private onResult(result: CheckResult, probe: ProbeSnapshot, lease?: LeaseToken): void {
    this.latest.set(result.checkId, { result, probe: { ...probe } });
    if (result.status === 'unknown') {
      // opsbook was too slow to time this run: no verdict about the target, one incident about opsbook.
      this.emit({ type: 'check', result });
      this.overload.late(this.daemon.clock.now());
      void this.enqueue(() => runUnderLease(lease, () => this.onAlertEvent(overloadAlert(result, this.daemon.config, this.daemon.clock.now()))));
      return;
    }
    // Rules see the probe's settled level: one failure under failure_threshold is not an alert.
    const queued: QueuedResult = { result, probe: { ...probe }, ...(lease ? { lease } : {}) };
    this.queuedResults.add(queued);
    void this.enqueue(async () => {
      try {
        // Handed over at a stop (see handOverQueued): the next holder of its partition evaluates it.
        if (!this.queuedResults.has(queued)) return;
        // Its lease passed on while it waited in the queue: fencing would refuse every write it makes,
        // one transaction each, while the results of the leases still held wait behind them.
        if (lease && this.daemon.cluster?.tokenOf(lease.lease)?.epoch !== lease.epoch) return;
        await runUnderLease(lease, () => this.onCheckResult({ ...result, level: probe.level }));
      } finally {
        this.queuedResults.delete(queued);
        if (this.intakeStopped) this.releaseDrained();
      }
    });
  }

  /**
   * Stopping, in a cluster: each partition lease whose queued results are all evaluated is given
   * back at once, so its checks move to another member now rather than when this one has drained
   * everything. The singletons lease goes with the rest at the cluster's stop.
   */
  private releaseDrained(): void {
    const cluster = this.daemon.cluster;
    // Past the drain bound the step in progress finishes under the leases (see handOverQueued); the cluster's stop frees them.
    if (!cluster || this.handedOver) return;
    const busy = new Set([...this.queuedResults].flatMap((q) => (q.lease ? [q.lease.lease] : [])));
    for (const [lease, epoch] of cluster.leases) {
      if (lease !== SINGLETONS_LEASE && !busy.has(lease)) void cluster.release({ lease, epoch });
    }
  }

  /** The drain bound passed: what was queued has been handed over. */
  private handedOver = false;

  /** Check results queued in the pipeline or being evaluated, in the order they came. */
  private readonly queuedResults = new Set<QueuedResult>();

  /** True once the pipeline is idle, false if `deadline` (epoch ms, real time) passes first. */
  private async idleBy(deadline: number): Promise<boolean> {
    if (deadline === Infinity) {
      await this.work.idle();
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
    const idle = await Promise.race([this.work.idle().then(() => true as const), late]);
    clearTimeout(timer);
    return idle;
  }

  /**
   * The drain bound passed with check results queued. In a cluster they are handed over, in one
   * transaction fenced by their leases, to the next holder of their partitions, which evaluates them
   * before its own runs (the one being evaluated now too: evaluated twice, a result changes a rule's
   * state once); then the step in progress gets up to a lease more to finish under the leases. On
   * one process (SQLite) they are dropped: the checks run again at the next start. Logged either way.
   */
  private async handOverQueued(): Promise<void> {
    const { cluster, logger, store, config } = this.daemon;
    this.handedOver = true;
    const left = [...this.queuedResults];
    this.queuedResults.clear();
    const jobs = this.work.waiting;
    if (!cluster) {
      logger.warn({ results: left.length, jobs }, 'shutdown: the drain bound passed with work queued; its check results are not evaluated (the checks run again at the next start)');
    } else if (left.length === 0) {
      if (!(await this.idleBy(Date.now() + config.storage.cluster.lease))) logger.warn({ jobs: this.work.waiting }, 'shutdown: a pipeline step still runs a lease after the drain bound; the leases are freed now and fencing refuses what it writes later');
    } else {
      const tokens = [...new Map(left.flatMap((q) => (q.lease ? [[`${q.lease.lease}@${q.lease.epoch}`, q.lease] as const] : []))).values()];
      let handed: QueuedResult[] = [];
      try {
        await store.db.transaction().execute(async (trx) => {
          const held = await cluster.admit(trx, tokens, 'check results handed over');
          handed = left.filter((q) => q.lease && held.has(`${q.lease.lease}@${q.lease.epoch}`));
          await handOverResults(trx, handed.map((q) => ({ id: newId('hand'), lease: q.lease!.lease, epoch: q.lease!.epoch, check_id: q.result.checkId, at: q.result.at, result: JSON.stringify(q.result), probe: JSON.stringify(q.probe) })));
        });
      } catch (err) {
        handed = [];
        logger.error({ err }, 'shutdown: the queued check results could not be handed over');
      }
      logger.warn(
        { handed_over: handed.length, dropped: left.length - handed.length, leases: [...new Set(handed.map((q) => q.lease!.lease))], jobs },
        'shutdown: the drain bound passed with check results queued; they are handed over to the next holder of their partitions (results of leases already lost are dropped: their new holder runs the checks)',
      );
      if (!(await this.idleBy(Date.now() + config.storage.cluster.lease))) {
        logger.warn({ jobs: this.work.waiting }, 'shutdown: a pipeline step still runs a lease after the drain bound; the leases are freed now and fencing refuses what it writes later');
      }
    }
  }

  /**
   * Check results a previous holder handed over at its stop, in the partitions this process holds
   * now (each lease and epoch looked at once): evaluated under the lease before the checks' own runs,
   * then forgotten in a transaction fenced by it. A result whose check no longer falls in the
   * partition it was handed over in (`partitions` changed since) is forgotten unevaluated: its rule
   * belongs to the holder of the check's partition now, which runs the check itself.
   */
  private async resumeHandedOver(): Promise<void> {
    const { cluster, store, logger } = this.daemon;
    if (!cluster) return;
    const tokens = [...cluster.leases].filter(([l]) => l !== SINGLETONS_LEASE).map(([lease, epoch]) => ({ lease, epoch })).filter((t) => !this.resumed.has(`${t.lease}@${t.epoch}`));
    if (tokens.length === 0) return;
    const rows = await handedOver(store.db, tokens.map((t) => t.lease));
    // Taken once read: a read that failed is tried again (the move is), not skipped.
    for (const t of tokens) this.resumed.add(`${t.lease}@${t.epoch}`);
    if (rows.length === 0) return;
    const tokenOf = new Map(tokens.map((t) => [t.lease, t]));
    const partitions = this.daemon.config.storage.cluster.partitions;
    const moved = rows.filter((r) => leaseOf(r.check_id, partitions) !== r.lease);
    const evaluated = rows.filter((r) => leaseOf(r.check_id, partitions) === r.lease);
    if (moved.length > 0) {
      logger.warn(
        { results: moved.length, checks: [...new Set(moved.map((r) => r.check_id))].slice(0, 20), leases: [...new Set(moved.map((r) => r.lease))], partitions },
        'cluster: check results handed over in a partition their checks no longer fall in (the partition count changed) are dropped unevaluated; the holder of their partition now runs the checks',
      );
    }
    if (evaluated.length > 0) logger.info({ results: evaluated.length, leases: [...new Set(evaluated.map((r) => r.lease))] }, 'cluster: evaluating the check results the previous holder handed over');
    for (const r of evaluated) this.onResult(JSON.parse(r.result) as CheckResult, JSON.parse(r.probe) as ProbeSnapshot, tokenOf.get(r.lease));
    void this.enqueue(() =>
      store.db.transaction().execute(async (trx) => {
        const held = await cluster.admit(trx, tokens, 'handed-over results evaluated');
        await forgetHandedOver(trx, rows.filter((r) => held.has(`${r.lease}@${tokenOf.get(r.lease)!.epoch}`)).map((r) => r.id));
      }),
    );
  }

  /** Leases (`lease@epoch`) whose handed-over results this process has taken. */
  private readonly resumed = new Set<string>();

  /**
   * A result produced elsewhere (`opsbook test`'s series), with the probe state the caller settled it
   * to, enters exactly where a probe's would; resolves once the pipeline has handled it.
   */
  async injectCheckResult(result: CheckResult, probe: ProbeSnapshot): Promise<void> {
    this.onResult(result, probe);
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
   * Resolves once the probes in flight have finished (waiting at most `maxMs` of real time) and the
   * pipeline has handled their results. A simulated clock calls it between its steps.
   */
  async settle(maxMs: number): Promise<void> {
    await this.probesSettled(maxMs);
    await this.idle();
  }

  /** Resolves once the probes in flight have finished (waiting at most `maxMs` of real time), the pipeline aside. */
  async probesSettled(maxMs: number): Promise<void> {
    await this.checks?.scheduler.settled(maxMs);
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
    return this.enqueue(() => this.onAlertEvents(events)).finally(() => {
      this.work.backlog -= events.length;
    });
  }

  /**
   * Alerts in one transaction with their incidents' escalations and first pages, then their other
   * effects. `saveSeries` (alerts from this process's rules): the rule state that produced them is
   * saved in that transaction too, and a failed write is thrown once the alerts are paged from memory.
   */
  private async onAlertEvents(events: readonly AlertEvent[], saveSeries?: (trx: Transaction<Database>) => Promise<void>): Promise<(IncidentResult | undefined)[]> {
    const now = this.daemon.clock.now();
    const fresh: number[] = [];
    events.forEach((e, i) => {
      if (e.kind !== 'firing' || !this.firingAlerts.isKnown(e.dedupKey, e.severity, now)) fresh.push(i);
    });
    const out: (IncidentResult | undefined)[] = events.map(() => undefined);
    if (fresh.length === 0) return out;
    let results: (IncidentResult | undefined)[];
    // The escalations of the incidents the group opens start in its transaction (see startInTransaction).
    let inTransaction = undefined as StartedInTransaction | undefined;
    try {
      results = await this.incidents.onAlerts(fresh.map((i) => events[i]!), async (trx, rs) => {
        await saveSeries?.(trx);
        inTransaction = await this.effects.startInTransaction(trx, rs.flatMap((r) => (r ? r.effects.map((effect) => ({ effect, incident: r.incident })) : [])));
      });
    } catch (e) {
      inTransaction?.failed();
      // Pages matter more than history: alerts the store cannot record are paged from memory.
      if (!isStoreFull(e)) throw e;
      for (const i of fresh) {
        // A resolve held for its replay: a firing alert of the same key is no repeat meanwhile.
        if (events[i]!.kind === 'resolved') this.firingAlerts.forgetKey(events[i]!.dedupKey);
        this.storeFull.onFull(e, events[i]!);
      }
      if (saveSeries) throw e;
      return out;
    }
    // The first pages go to the outbox worker before anything else of the group.
    const started = inTransaction?.started ?? new Set<IncidentEffect>();
    await inTransaction?.committed();
    const done: Array<{ event: AlertEvent; result: IncidentResult }> = [];
    for (const [j, result] of results.entries()) {
      const event = events[fresh[j]!]!;
      out[fresh[j]!] = result;
      this.learn(event, result, now);
      if (result) done.push({ event, result });
    }
    // The alerts are committed: their effects go out however the effects fare (a lost escalation
    // start is found by the reconciliation at the next start).
    await this.applyAllEffects(done.map((d) => d.result), started).catch((err: unknown) => {
      if (!isStoreFull(err)) return this.daemon.logger.error({ err }, 'effects of an alert group failed');
      // Recorded, but their pages could not be: paged from memory; the escalations start on recovery.
      for (const { event, result } of done) {
        if (!result.effects.some((x) => x.kind === 'start_escalation' && !started.has(x))) continue;
        this.firingAlerts.forgetIncident(result.incident.id);
        this.storeFull.onFull(err, event);
      }
    });
    return out;
  }

  /** A person moves an incident along; the effects (escalation stop, status notifications) follow. */
  /**
   * Runs in the pipeline's queue, so a person's action and the alerts' own effects (an
   * auto-resolve) never interleave. Asking for a state the incident has already reached — two
   * responders pressing Resolve, or Resolve just after the alerts resolved it — is answered with
   * the incident as it is, not an error.
   */
  act(id: string, action: 'acknowledge' | 'investigate' | 'mitigate' | 'resolve' | 'review', actor: Actor, note?: string): Promise<Incident> {
    return this.enqueue(async () => {
      const current = await this.incidents.get(id);
      if (ALREADY[action].includes(current.state)) return current;
      const result = await this.incidents[action](id, actor, note);
      this.firingAlerts.forgetIncident(id);
      // The action stands once committed: the person is answered with it, not with an error that
      // asks for a second try (which finds it done and does nothing). An escalation that could not
      // be stopped is stopped at the next look for missed pages.
      await this.applyEffects(result).catch((err: unknown) => {
        this.daemon.logger.error({ err, incident: id, action }, 'incident action recorded, but its effects failed; a running daemon stops its escalation within a minute');
      });
      return result.incident;
    }, { urgent: true });
  }

  /** Escalate now: the incident's next escalation step is paged at once (see `escalateNow`). */
  escalate(id: string, actor: Actor, note?: string): Promise<Incident> {
    return this.enqueue(async () => {
      await escalateNow(this.escalateDeps(), await this.incidents.get(id), actor, note);
      const incident = await this.incidents.get(id);
      this.emit({ type: 'incident', incident });
      return incident;
    }, { urgent: true });
  }

  /** Adds a person as a responder and pages them while the incident is open (see `addResponder`). */
  addResponder(id: string, person: string, actor: Actor): Promise<Incident> {
    return this.enqueue(async () => {
      await addResponder(this.escalateDeps(), await this.incidents.get(id), person, actor);
      const incident = await this.incidents.get(id);
      this.emit({ type: 'incident', incident });
      return incident;
    }, { urgent: true });
  }

  /**
   * A person changes the incident's severity (API, UI, CLI): the response target follows, and so
   * does its running escalation — the later steps are the new severity's (see `reviseEscalation`).
   * The revision commits with the change: a change whose revision cannot be written is not made
   * (the person is answered with the error, and a second try changes both), so an escalation never
   * goes on paging on the old severity's timings.
   */
  changeSeverity(id: string, severity: string, actor: Actor, note?: string): Promise<Incident> {
    return this.enqueue(async () => {
      let revised = false;
      const incident = await this.incidents.changeSeverity(id, severity, actor, note, async (trx, changed) => {
        if (OPEN_STATES.includes(changed.state)) revised = await this.effects.reviseIn(trx, changed);
      });
      if (revised) this.effects.afterCommit();
      this.emit({ type: 'incident', incident });
      return incident;
    }, { urgent: true });
  }

  private escalateDeps(): EscalateDeps {
    return { host: this.daemon, incidents: this.incidents, effects: this.effects };
  }

  /** Opens an incident by hand with its response roles given at once (commander, communications, responders). */
  async declare(input: Parameters<IncidentService['create']>[0] & { roles?: Array<{ role: IncidentRole; person: string }> }, actor: Actor): Promise<Incident> {
    const { roles = [], ...rest } = input;
    const incident = await this.createIncident(rest, actor);
    for (const r of roles) if (r.person) await this.incidents.assignRole(incident.id, r.role, r.person, actor);
    return incident;
  }

  /**
   * Opens an incident by hand: its escalation and first pages commit with it, as an alert group's
   * new incidents' do (see startInTransaction). A page that cannot be written then is tried once
   * after the commit; the incident stands either way (the person is answered with it, not asked
   * to open it again), and a page still unwritten goes out at the next look for missed pages.
   */
  async createIncident(input: Parameters<IncidentService['create']>[0], actor: Actor): Promise<Incident> {
    let inTransaction = undefined as StartedInTransaction | undefined;
    let result: IncidentResult;
    try {
      result = await this.incidents.create(input, actor, async (trx, r) => {
        inTransaction = await this.effects.startInTransaction(trx, r.effects.map((effect) => ({ effect, incident: r.incident })));
      });
    } catch (e) {
      inTransaction?.failed();
      throw e;
    }
    await inTransaction?.committed();
    await this.applyEffects(result, inTransaction?.started).catch((err: unknown) => {
      this.daemon.logger.error({ err, incident: result.incident.id }, 'incident opened, but its page could not be written; a running daemon tries again within a minute');
    });
    return result.incident;
  }

  private enqueue<T>(work: () => Promise<T>, options: { urgent?: boolean } = {}): Promise<T> {
    const run = this.work.push(work, options);
    void run.then(
      () => undefined,
      // A person's refused action (a bad transition) is answered to them, not logged as a failure.
      (raw: unknown) => {
        const e = namedStoreError(raw);
        // A store held by another process or out of reach is passing: named, with its cause, no stack
        // (a person's action is answered with the same error, and the CLI prints it once, by name).
        if (retryAfterSeconds(e) !== undefined) {
          const cause = (e as Error).cause as { message?: unknown } | undefined;
          return this.daemon.logger.warn({ code: (e as OpsbookError).code, cause: String(cause?.message ?? '') }, 'operations pipeline step refused by the store');
        }
        if (!isOpsbookError(e) || e.kind === 'internal' || e.kind === 'unavailable') this.daemon.logger.error({ err: e }, 'operations pipeline step failed');
      },
    );
    return run;
  }

  private async onCheckResult(result: CheckResult): Promise<void> {
    this.emit({ type: 'check', result });
    await this.alerts.onCheckResult(result, this.commitAlerts).catch(pagedFromMemory);
    this.armAlertTimer();
  }

  /**
   * The alerts of this process's rules, with the rule state that produced them, in one transaction:
   * a process that dies (or loses its lease) between the two leaves neither, so the next run fires
   * again where a state saved `firing` alone would never open the incident.
   */
  private readonly commitAlerts: CommitEvents = async (events, saveSeries) => {
    await this.onAlertEvents(events, saveSeries);
  };

  private async onAlertEvent(event: AlertEvent): Promise<IncidentResult | undefined> {
    const now = this.daemon.clock.now();
    if (event.kind === 'firing') {
      if (this.firingAlerts.isKnown(event.dedupKey, event.severity, now)) return undefined;
    }
    let result: IncidentResult | undefined;
    try {
      result = await this.incidents.onAlert(event);
    } catch (e) {
      // Pages matter more than history: an alert the store cannot record is paged from memory.
      if (!isStoreFull(e)) throw e;
      if (event.kind === 'resolved') this.firingAlerts.forgetKey(event.dedupKey);
      this.storeFull.onFull(e, event);
      return undefined;
    }
    await this.afterAlert(event, result, now);
    return result;
  }

  /** The repeat cache learns what an alert did; its effects go out. */
  private async afterAlert(event: AlertEvent, result: IncidentResult | undefined, now: number): Promise<void> {
    this.learn(event, result, now);
    if (!result) return;
    try {
      await this.applyEffects(result);
    } catch (e) {
      // The incident was recorded but its page could not be: page from memory; the escalation starts on recovery.
      if (!isStoreFull(e)) throw e;
      this.firingAlerts.forgetIncident(result.incident.id);
      this.storeFull.onFull(e, result.effects.some((x) => x.kind === 'start_escalation') ? event : undefined);
    }
  }

  private learn(event: AlertEvent, result: IncidentResult | undefined, now: number): void {
    if (result) {
      this.firingAlerts.forgetIncident(result.incident.id);
      if (event.kind === 'firing' && OPEN_STATES.includes(result.incident.state)) {
        this.firingAlerts.remember(event.dedupKey, result.incident.id, event.severity, now);
      }
    } else {
      this.firingAlerts.forgetKey(event.dedupKey);
      // A resolve with no incident may end an alert paged from memory whose record is still waiting.
      if (event.kind === 'resolved') this.storeFull.resolvedUnrecorded(event);
    }
  }

  /**
   * Arms the timer of the rules' due instants (`for:` elapsed, `keep_firing_for` ran out), no sooner
   * than `notBefore`. A run that fails (the store refused what the rules found) is logged and armed
   * again a little later: the rules' timers stay due, and a check's next run may be far off.
   */
  private armAlertTimer(notBefore = -Infinity): void {
    const next = this.alerts.nextDueAt(this.daemon.cluster ? this.ruleHeld : undefined);
    this.cancelAlertTimer?.();
    if (next === undefined || this.stopping) return;
    const due = Math.max(next, notBefore);
    // Armed outside any lease: it is armed while a check's result is handled, and the rules it runs
    // are all this process's; tickAlerts runs each under the lease its state was held under.
    this.cancelAlertTimer = outsideLease(() => this.daemon.clock.at(due, () => {
      void this.enqueue(() =>
        rearmAfter(
          this.daemon.clock,
          () => this.tickAlerts(),
          (later) => this.armAlertTimer(later),
          (err) => this.daemon.logger.error({ err }, 'rule timers (for:, keep_firing_for) could not run; tried again shortly'),
        ),
      );
    }));
  }

  /**
   * Cluster: the lease (and epoch) each rule's state in the alert engine was held under when it was
   * read or kept, by rule id. A rule's timers write under it, not under whatever this process holds
   * when they fall due.
   */
  private ruleTokens = new Map<string, LeaseToken>();

  /** Leases (`lease@epoch`) fencing refused a timer's write under: gone for good, epochs only grow. */
  private readonly refusedLeases = new Set<string>();

  /** The rule's lease is still held under the epoch its state was held under (as far as this process knows). */
  private readonly ruleHeld = (ruleId: string): boolean => {
    const t = this.ruleTokens.get(ruleId);
    return t !== undefined && this.daemon.cluster?.tokenOf(t.lease)?.epoch === t.epoch && !this.refusedLeases.has(`${t.lease}@${t.epoch}`);
  };

  /**
   * Runs the rules' due timers (`for:` elapsed, `keep_firing_for` ran out). In a cluster, one call
   * per lease, under it: the rule state, incident and page writes they cause are fenced by the lease
   * the rules were held under, in their transaction, so a process that lost a partition (and has
   * not moved its rules yet) cannot open or resolve an incident for it. Rules whose lease this
   * process knows it lost are left for the move, which drops them.
   */
  private async tickAlerts(): Promise<void> {
    const cluster = this.daemon.cluster;
    if (!cluster) {
      await this.alerts.tick(this.commitAlerts).catch(pagedFromMemory);
      return;
    }
    const byLease = new Map<string, { token: LeaseToken; rules: Set<string> }>();
    for (const id of this.alerts.dueRules()) {
      if (!this.ruleHeld(id)) continue;
      const token = this.ruleTokens.get(id)!;
      const key = `${token.lease}@${token.epoch}`;
      const group = byLease.get(key) ?? { token, rules: new Set<string>() };
      group.rules.add(id);
      byLease.set(key, group);
    }
    for (const { token, rules } of byLease.values()) {
      await runUnderLease(token, () => this.alerts.tick(this.commitAlerts, (id) => rules.has(id))).catch((e: unknown) => {
        // Refused (logged and counted by fencing, which makes the coordinator look again): the
        // rules stay as they were until the move drops them; the other leases' timers run on.
        if (!isOpsbookError(e) || e.code !== 'OPSBOOK_E_FENCED') return pagedFromMemory(e);
        // Not tried again before the move: their timers have fallen due, and would fire at once.
        this.refusedLeases.add(`${token.lease}@${token.epoch}`);
      });
    }
  }

  /**
   * Arms the timer that runs the end of windows and silences (held pages released or dropped). In a
   * cluster only the holder of an incident's partition runs it, under that lease, and it also looks
   * every `lease / 3` for held incidents it did not arm for (opened by another process, or of a
   * partition it has just taken).
   */
  private async armReleaseTimer(): Promise<void> {
    const cluster = this.daemon.cluster;
    let next: number | undefined;
    try {
      next = await this.incidents.nextReleaseAt(cluster ? (id) => cluster.tokenFor(id) !== undefined : undefined);
    } catch (err) {
      // Which incidents are held is not known now: looked for again a little later, not never.
      this.daemon.logger.error({ err }, 'could not read when held pages are released; looking again shortly');
      this.releaseFailed();
      next = this.releaseRetryAt;
    }
    const looked = cluster ? Math.min(next ?? Infinity, this.daemon.clock.now() + Math.max(200, Math.floor(this.daemon.config.storage.cluster.lease / 3))) : next;
    // A release that failed (its page could not be written) is tried again, but not at once.
    const due = looked === undefined ? undefined : Math.max(looked, this.releaseRetryAt);
    this.cancelReleaseTimer?.();
    if (due === undefined || this.stopping) return;
    // Armed and run outside any lease: it is often armed while a check's result is handled, whose
    // lease is not the held incidents' (their release is fenced by their own partition's lease).
    this.cancelReleaseTimer = outsideLease(() => this.daemon.clock.at(due, () => {
      void this.enqueue(() =>
        outsideLease(() =>
          // Armed again after a failed release too: in a cluster it is also how new held pages are found.
          rearmAfter(
            this.daemon.clock,
            () => this.releaseDue(),
            // A failure moved releaseRetryAt on: the next look is not before it.
            () => this.armReleaseTimer(),
            (err) => {
              this.daemon.logger.error({ err }, 'held pages could not be released; tried again shortly');
              this.releaseFailed();
            },
            RELEASE_RETRY_MS,
          ),
        ),
      );
    }));
  }

  /**
   * Releases the held pages whose window or silence has ended, each with its page (escalation and
   * first pages) in the release's transaction (see ReleasedPages). In a cluster, one transaction per
   * partition this process holds with such a page, under its lease: the release and its pages are
   * fenced in their transaction (a process that lost the partition, paused past its lease, releases
   * nothing). Across processes a page is released once: the release clears the held notification
   * under the incident writers' lock, and writes the page in the same transaction.
   */
  private async releaseDue(): Promise<void> {
    const cluster = this.daemon.cluster;
    if (!cluster) {
      await this.incidents.releaseHeld(undefined, this.releasedPages);
      return this.effects.afterCommit();
    }
    const now = this.daemon.clock.now();
    const partitions = this.daemon.config.storage.cluster.partitions;
    const due = new Set((await this.incidents.heldUntil()).filter((h) => h.until <= now).map((h) => leaseOf(h.incidentId, partitions)));
    for (const lease of due) {
      const token = cluster.tokenOf(lease);
      if (!token) continue;
      await runUnderLease(token, () => this.incidents.releaseHeld((id) => leaseOf(id, partitions) === lease, this.releasedPages)).catch((e: unknown) => {
        // Refused (logged and counted by fencing, which makes the coordinator look again): the new holder releases them.
        if (!isOpsbookError(e) || e.code !== 'OPSBOOK_E_FENCED') throw e;
        return [];
      });
      await this.effects.afterCommit();
    }
  }

  /**
   * How releases write their pages: in their own transaction, the response clock starting as the
   * page goes out. A page that cannot be written leaves its incident held, tried again after
   * RELEASE_RETRY_MS (the error logged).
   */
  private readonly releasedPages: ReleasedPages = {
    start: (trx, incident, released) => this.effects.startReleased(trx, incident, released.map((e) => (e.kind === 'start_escalation' ? this.restartedAt(e) : e))),
    failed: (incidentId, err) => {
      this.daemon.logger.error({ err, incident: incidentId }, 'held page could not be sent at the end of its window or silence; it stays held and is tried again');
      this.releaseFailed();
    },
  };

  /** When a failed release may be tried again (see armReleaseTimer). */
  private releaseRetryAt = 0;

  private releaseFailed(): void {
    this.releaseRetryAt = this.daemon.clock.now() + RELEASE_RETRY_MS;
  }

  /** Ends a runtime silence now; the pages it held go out (or are dropped) as its `on_end` says. */
  expireSilence(id: string, actor: Actor): Promise<IncidentEffect[]> {
    return this.enqueue(async () => {
      const effects = await this.incidents.expireSilence(id, actor, this.releasedPages);
      await this.effects.afterCommit();
      await this.armReleaseTimer();
      return effects;
    });
  }

  /** `applied`: effects already applied (an escalation started with its incident). */
  private async applyEffects(result: IncidentResult, applied: ReadonlySet<IncidentEffect> = new Set()): Promise<void> {
    this.emit({ type: 'incident', incident: result.incident });
    for (const effect of result.effects) if (!applied.has(effect)) await this.effects.apply(effect, result.incident);
    if (result.incident.heldBy) await this.armReleaseTimer();
    if (result.incident.state === 'resolved') await this.closeExecutions(result.incident.id);
  }

  /** A resolved incident's runbook executions end with it (in a CLI, which has no execution service, from the store). */
  private async closeExecutions(incidentId: string): Promise<void> {
    const { store, clock, logger } = this.daemon;
    try {
      if (this.executions) await this.executions.closeForIncident(incidentId);
      else await (await import('../../executions/index.js')).closeExecutionsOfIncident({ store, clock, logger }, incidentId);
    } catch (e) {
      logger.error({ err: e, incident: incidentId }, 'could not close the executions of a resolved incident');
    }
  }

  /**
   * The effects of several results, in order; escalation starts next to each other share a
   * transaction. `applied`: effects already applied (escalations started with their incidents).
   */
  private async applyAllEffects(results: readonly IncidentResult[], applied: ReadonlySet<IncidentEffect> = new Set()): Promise<void> {
    for (const r of results) this.emit({ type: 'incident', incident: r.incident });
    await this.effects.applyAll(results.flatMap((r) => r.effects.flatMap((effect) => (applied.has(effect) ? [] : [{ effect, incident: r.incident }]))));
    if (results.some((r) => r.incident.heldBy)) await this.armReleaseTimer();
    for (const r of results) if (r.incident.state === 'resolved') await this.closeExecutions(r.incident.id);
  }

  /**
   * A start_escalation whose response clock starts now (same target length). A page held back by a
   * window starts its response clock when it goes out, not when the incident opened: otherwise the
   * first step and the response-target escalation would fire in the same minute.
   */
  private restartedAt(e: Extract<IncidentEffect, { kind: 'start_escalation' }>): IncidentEffect {
    const now = this.daemon.clock.now();
    const { responseDueAt, ...rest } = e;
    return { ...rest, openedAt: now, ...(responseDueAt !== undefined ? { responseDueAt: now + (responseDueAt - e.openedAt) } : {}) };
  }


  private emit(e: OperationsEvent): void {
    for (const l of this.listeners) l(e);
  }
}
