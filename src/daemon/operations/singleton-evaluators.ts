/**
 * The alert evaluators one process runs for the whole store, under the singletons lease: SLO
 * burn-rate alerts and Prometheus rule files (`rule_files:`). Their alerts enter the pipeline's
 * queue like any other alert; a failed evaluation never ends alerting.
 */
import type { OpsConfig } from '../../config/index.js';
import type { RuleFileEngine } from '../../alerts/rule-files/index.js';
import type { ExecutionService } from '../../executions/index.js';
import { configuredLadder } from '../../incidents/index.js';
import type { SloEvaluator } from '../../slos/index.js';
import { outsideLease, runUnderLease } from '../../cluster/index.js';
import { rearmAfter } from '../../lib/rearm.js';
import type { AlertCommit } from './alert-commit.js';
import type { Pipeline } from './pipeline.js';

export class SingletonEvaluators {
  private slos: SloEvaluator | undefined;
  private cancelSloTimer: (() => void) | undefined;
  private ruleFiles: RuleFileEngine | undefined;
  private cancelRuleFileTimer: (() => void) | undefined;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly commit: AlertCommit,
    /** The running daemon's execution service, whose runbooks resolve rule files' runbook links. */
    private readonly executions: () => ExecutionService | undefined,
  ) {}

  /** SLO burn-rate alerts, evaluated once a minute from the start. */
  async startSlos(config: OpsConfig): Promise<void> {
    const { store, clock } = this.pipeline.daemon;
    const { SloEvaluator, slosFromConfig } = await import('../../slos/index.js');
    this.slos = await SloEvaluator.open(store, clock, slosFromConfig(config).slos, (slo, err) => this.pipeline.daemon.logger.error({ err, slo }, 'SLO alert evaluation failed; tried again at the next minute'));
    this.armSloTimer();
  }

  /** Prometheus rule files (`rule_files:`): their groups run on the daemon's clock over the host's series. */
  async startRuleFiles(config: OpsConfig): Promise<void> {
    const daemon = this.pipeline.daemon;
    const { store, clock, logger, baseDir } = daemon;
    if (baseDir === undefined) return;
    const [{ RuleFileEngine }, { MemorySeriesSource }, { resolveRunbookLink }] = await Promise.all([
      import('../../alerts/rule-files/index.js'),
      import('../../promql/index.js'),
      import('../../runbooks/index.js'),
    ]);
    this.ruleFiles = await RuleFileEngine.open({
      store,
      clock,
      source: daemon.series ?? new MemorySeriesSource(),
      groups: daemon.ruleGroups ?? [],
      defaultInterval: config.rule_files.evaluation_interval,
      ladder: () => configuredLadder(daemon.config.severities).ids,
      settings: () => daemon.config.rule_files.alerts,
      externalURL: () => daemon.config.server.public_url,
      // Runbook annotations resolve as the Alertmanager ingest resolves them, against the runbooks read at start.
      resolveRunbook: (link, labels) =>
        resolveRunbookLink(this.executions()?.deps.runbooks ?? [], link, { urlPrefixes: daemon.config.runbooks.url_prefixes, ...(labels.alertname ? { alertName: labels.alertname } : {}) }),
      onError: (group, err) => logger.warn({ err, group: group.name, file: group.file }, 'rule group evaluation failed'),
      onStoreError: (group, err) => logger.error({ err, group: group.name, file: group.file }, 'rule group alert state could not be stored; its alerts go on, the state is written at its next evaluation'),
      onOrphanError: (err) => logger.error({ err }, 'the resolutions of rule-file alerts whose rule is gone could not be recorded; tried again at the next evaluation'),
    });
    this.armRuleFileTimer();
  }

  /** A reload's SLOs and rule groups; the alerts of rule groups gone or changed go through the pipeline now. */
  async reload(config: OpsConfig): Promise<void> {
    const daemon = this.pipeline.daemon;
    if (this.slos) this.slos.reload((await import('../../slos/index.js')).slosFromConfig(config).slos);
    this.armSloTimer();
    if (this.ruleFiles && daemon.baseDir !== undefined) {
      for (const event of await this.ruleFiles.reload(daemon.ruleGroups ?? [], config.rule_files.evaluation_interval)) await this.commit.onAlertEvent(event);
      this.armRuleFileTimer();
    }
  }

  /** Their timers stop (the first step of a stop). */
  stop(): void {
    this.cancelSloTimer?.();
    this.cancelRuleFileTimer?.();
  }

  /** Rule-file alerts enter the pipeline like any other alert, as each group's evaluation finds them. */
  private armRuleFileTimer(notBefore?: number): void {
    this.cancelRuleFileTimer?.();
    const ruleFiles = this.ruleFiles;
    this.cancelRuleFileTimer = this.armEvaluator(
      ruleFiles,
      // Each group's alerts with its stored alert state, in one transaction (see RuleFileEngine.tick).
      async () => void (await ruleFiles!.tick(this.commit.commitAlerts)),
      (later) => this.armRuleFileTimer(later),
      notBefore,
    );
  }

  /**
   * Burn-rate alerts enter the pipeline like any other alert, once a minute as rollups close; each
   * with its stored firing series, in one transaction (see SloEvaluator.tick).
   */
  private armSloTimer(notBefore?: number): void {
    this.cancelSloTimer?.();
    const slos = this.slos;
    this.cancelSloTimer = this.armEvaluator(slos, async () => void (await slos!.tick(undefined, this.commit.commitAlerts)), (later) => this.armSloTimer(later), notBefore);
  }

  /**
   * Sets a timer for an evaluator's next due instant; when it fires, `evaluate` runs in the pipeline's
   * queue (its alert events go through the pipeline) and `rearm` sets the next one. Answers the
   * timer's cancel, or undefined.
   */
  private armEvaluator(
    evaluator: { nextDueAt(): number | undefined } | undefined,
    evaluate: () => Promise<void>,
    rearm: (notBefore?: number) => void,
    notBefore = -Infinity,
  ): (() => void) | undefined {
    const daemon = this.pipeline.daemon;
    const next = evaluator?.nextDueAt();
    const due = next === undefined ? undefined : Math.max(next, notBefore);
    if (due === undefined || this.pipeline.stopping) return undefined;
    // Re-armed under the singletons lease it ran under: the next run takes the lease held then.
    return outsideLease(() => daemon.clock.at(due, () => {
      void this.pipeline.enqueue(async () => {
        // Shared store: one process (the holder of the singletons lease) evaluates rule files and SLOs.
        const cluster = daemon.cluster;
        const lease = cluster?.singletons;
        if (cluster && !lease) return rearm(daemon.clock.now() + Math.max(200, Math.floor(daemon.config.storage.cluster.lease / 3)));
        // Whatever fails here, the next evaluation is armed: an error must not end alerting.
        await rearmAfter(
          daemon.clock,
          () => runUnderLease(lease, evaluate),
          rearm,
          (err) => daemon.logger.error({ err }, 'alert evaluation failed; evaluating again when next due'),
        );
      });
    }));
  }
}
