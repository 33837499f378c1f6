/**
 * Check results on their way into the pipeline: each waits in the queue with the lease its check
 * ran under, then the rules see it. At a stop, leases with nothing queued are given back at once,
 * and past the drain bound what is still queued is handed over to the next holder of its partition
 * (or dropped on one process); a new holder evaluates what was handed over to it.
 */
import type { AlertEngine } from '../../alerts/index.js';
import type { CheckResult, ProbeSnapshot, StoredCheckState } from '../../checks/index.js';
import { leaseOf, runUnderLease, SINGLETONS_LEASE } from '../../cluster/index.js';
import { newId } from '../../lib/ids.js';
import { forgetHandedOver, handedOver, handOverResults, type LeaseToken } from '../../store/index.js';
import { pagedFromMemory, type AlertCommit } from './alert-commit.js';
import { overloadAlert, type OverloadWatch } from './overload.js';
import type { CheckState, Pipeline } from './pipeline.js';
import type { RuleTimers } from './rule-timers.js';
import type { WorkQueue } from './work-queue.js';

/** A check result waiting in the pipeline, with the lease its check ran under. */
interface QueuedResult {
  result: CheckResult;
  probe: ProbeSnapshot;
  lease?: LeaseToken;
  /** Tells the history writer the rules have seen this result (one that made its check's settled state worse). */
  rulesSaw?: () => Promise<void>;
}

export class CheckResultQueue {
  private readonly latest = new Map<string, CheckState>();

  constructor(
    private readonly pipeline: Pipeline,
    private readonly work: WorkQueue,
    private readonly alerts: AlertEngine,
    private readonly commit: AlertCommit,
    private readonly ruleTimers: RuleTimers,
    private readonly overload: OverloadWatch,
  ) {}

  /** Latest result and probe state of a check; undefined until it has run. */
  checkState(checkId: string): CheckState | undefined {
    return this.latest.get(checkId);
  }

  /**
   * `rulesSaw` (a result that made its check's settled state worse) is called once the rules have
   * evaluated it (a step the store refused too: it is not tried again, and a state held back for
   * good would leave the check stored down while it is up), or it was handed over to the next holder
   * (which evaluates it), or its lease passed on: a better settled state of the check is stored only
   * then (see CheckRunnerOptions.settledAfterRules). Not for a result dropped at a stop on one
   * process: the next start catches up with the stored state.
   */
  onResult(result: CheckResult, probe: ProbeSnapshot, lease?: LeaseToken, rulesSaw?: () => Promise<void>): void {
    const daemon = this.pipeline.daemon;
    this.latest.set(result.checkId, { result, probe: { ...probe } });
    if (result.status === 'unknown') {
      // opsbook was too slow to time this run: no verdict about the target, one incident about opsbook.
      this.pipeline.emit({ type: 'check', result });
      this.overload.late(daemon.clock.now());
      void this.pipeline.enqueue(() => runUnderLease(lease, () => this.commit.onAlertEvent(overloadAlert(result, daemon.config, daemon.clock.now()))));
      return;
    }
    // Rules see the probe's settled level: one failure under failure_threshold is not an alert.
    const queued: QueuedResult = { result, probe: { ...probe }, ...(lease ? { lease } : {}), ...(rulesSaw ? { rulesSaw } : {}) };
    this.queuedResults.add(queued);
    void this.pipeline.enqueue(async () => {
      // Handed over at a stop (see handOverQueued): the next holder of its partition evaluates it.
      if (!this.queuedResults.has(queued)) return this.releaseWhenStopping();
      try {
        // Its lease passed on while it waited in the queue: fencing would refuse every write it makes,
        // one transaction each, while the results of the leases still held wait behind them. The next
        // holder catches the rules up with the settled state it stored (see onStoredStates).
        if (lease && daemon.cluster?.tokenOf(lease.lease)?.epoch !== lease.epoch) return;
        await runUnderLease(lease, () => this.onCheckResult({ ...result, level: probe.level }));
      } finally {
        this.queuedResults.delete(queued);
        await this.told(rulesSaw);
        this.releaseWhenStopping();
      }
    });
  }

  /**
   * Tells the history writer the rules have seen a result (or a stored state). While stopping, waits
   * for the settled state it releases to be written: the lease it is written under may be given
   * back next (see releaseDrained). Otherwise the pipeline does not wait for the history.
   */
  private async told(rulesSaw: (() => Promise<void>) | undefined): Promise<void> {
    if (!rulesSaw) return;
    const written = rulesSaw();
    if (this.pipeline.stopping) await written;
  }

  /** Stopping (intake stopped: stopIntake sets the flag as it starts): the leases drained are given back. */
  private releaseWhenStopping(): void {
    if (this.pipeline.stopping) this.releaseDrained();
  }

  /**
   * Checks starting from a stored settled state worse than ok/up (a start, a partition gained): their
   * rules are caught up with it, each under the lease its check runs under, before the checks' first
   * results (queued after). A result the previous process stored but never evaluated — killed
   * between the two, or its lease passed on while the result waited here — is paged by this one,
   * even when the target has recovered by its first run. See RuleEvaluator.onStoredState.
   */
  onStoredStates(states: readonly StoredCheckState[], leaseOf: (checkId: string) => LeaseToken | undefined, rulesSaw?: (state: StoredCheckState) => Promise<void>): void {
    const daemon = this.pipeline.daemon;
    daemon.logger.info({ checks: states.length }, 'checks start from a stored settled state worse than ok: their rules catch up with it');
    const queued = new Set([...this.queuedResults].map((q) => q.result.checkId));
    for (const stored of states) {
      const lease = leaseOf(stored.checkId);
      // Ahead of the results queued, as the move of the rules is: a new holder's pipeline may be a
      // lease behind (it has just started, or gained many partitions), and the check's first run
      // stores its recovery at once, so a catch-up dropped with a lease lost again is not done by
      // the holder after it. Behind the check's own results handed over, which are older.
      void this.pipeline.enqueue(async () => {
        try {
          // Its lease passed on meanwhile: the next holder catches up instead.
          if (lease && daemon.cluster?.tokenOf(lease.lease)?.epoch !== lease.epoch) return;
          await runUnderLease(lease, async () => {
            await this.alerts.onStoredState(stored, this.commit.commitAlerts).catch(pagedFromMemory);
            this.ruleTimers.armAlertTimer();
          });
        } finally {
          // The check's recovery stored meanwhile (its first runs) is written now.
          await this.told(rulesSaw && (() => rulesSaw(stored)));
        }
      }, { urgent: !queued.has(stored.checkId) });
    }
  }

  private async onCheckResult(result: CheckResult): Promise<void> {
    this.pipeline.emit({ type: 'check', result });
    await this.alerts.onCheckResult(result, this.commit.commitAlerts).catch(pagedFromMemory);
    this.ruleTimers.armAlertTimer();
  }

  /**
   * Stopping, in a cluster: each partition lease whose queued results are all evaluated is given
   * back at once, so its checks move to another member now rather than when this one has drained
   * everything. The singletons lease was given back when the drain began (ClusterCoordinator.drain).
   */
  releaseDrained(): void {
    const cluster = this.pipeline.daemon.cluster;
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
  async idleBy(deadline: number): Promise<boolean> {
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
  async handOverQueued(): Promise<void> {
    const { cluster, logger, store, config } = this.pipeline.daemon;
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
      // The next holder evaluates them: a better settled state held back for one is written (the
      // stop's last history write, under the leases still held). One not handed over leaves the
      // stored state worse, for the next holder to catch up with.
      await Promise.all(handed.map((q) => q.rulesSaw?.()));
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
  async resumeHandedOver(): Promise<void> {
    const { cluster, store, logger } = this.pipeline.daemon;
    if (!cluster) return;
    const tokens = [...cluster.leases].filter(([l]) => l !== SINGLETONS_LEASE).map(([lease, epoch]) => ({ lease, epoch })).filter((t) => !this.resumed.has(`${t.lease}@${t.epoch}`));
    if (tokens.length === 0) return;
    const rows = await handedOver(store.db, tokens.map((t) => t.lease));
    // Taken once read: a read that failed is tried again (the move is), not skipped.
    for (const t of tokens) this.resumed.add(`${t.lease}@${t.epoch}`);
    if (rows.length === 0) return;
    const tokenOf = new Map(tokens.map((t) => [t.lease, t]));
    const partitions = this.pipeline.daemon.config.storage.cluster.partitions;
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
    void this.pipeline.enqueue(() =>
      store.db.transaction().execute(async (trx) => {
        const held = await cluster.admit(trx, tokens, 'handed-over results evaluated');
        await forgetHandedOver(trx, rows.filter((r) => held.has(`${r.lease}@${tokenOf.get(r.lease)!.epoch}`)).map((r) => r.id));
      }),
    );
  }

  /** Leases (`lease@epoch`) whose handed-over results this process has taken. */
  private readonly resumed = new Set<string>();
}
