/**
 * The checks this process runs: all of them, or (several processes on one PostgreSQL) those of the
 * partitions it holds, each under its lease. Built at start; a reload changes only the checks it
 * changed, and a lease change moves only the partitions gained or lost, their rules with them.
 */
import { isDeepStrictEqual } from 'node:util';
import type { OpsConfig } from '../../config/index.js';
import type { AlertEngine } from '../../alerts/index.js';
import { createCheckRunner, type CheckRunner } from '../../checks/index.js';
import type { EscalationDriver } from '../../oncall/index.js';
import { outsideLease } from '../../cluster/index.js';
import { RETRY_AFTER_ERROR_MS } from '../../lib/rearm.js';
import { forgetSettledProbes, type LeaseToken } from '../../store/index.js';
import type { CheckResultQueue } from './check-results.js';
import type { HeldPages } from './held-pages.js';
import type { OperationsHost } from './host.js';
import { ownedChecks, ownedRules, ruleLeases } from './ownership.js';
import type { Pipeline } from './pipeline.js';
import type { RuleTimers } from './rule-timers.js';
import type { StuckEscalations } from './stuck-escalations.js';

export interface RunningChecksDeps {
  pipeline: Pipeline;
  /** False: no probes run (results come only from `injectCheckResult`), so nothing moves. */
  probes: boolean | undefined;
  alerts: AlertEngine;
  ruleTimers: RuleTimers;
  heldPages: HeldPages;
  results: CheckResultQueue;
  escalations: EscalationDriver;
  stuckEscalations: StuckEscalations;
  /** Told first of each lease change (the scheduled procedures follow the singletons lease). */
  leasesChanged: () => void;
}

export class RunningChecks {
  private checks: CheckRunner | undefined;
  private moving: Promise<void> = Promise.resolve();
  private cancelMoveRetry: (() => void) | undefined;
  /** The lease each running check runs under, by check id. */
  private checkTokens = new Map<string, LeaseToken>();
  private nextMove: Promise<void> | undefined;

  constructor(private readonly deps: RunningChecksDeps) {}

  private get daemon(): OperationsHost {
    return this.deps.pipeline.daemon;
  }

  private get stopping(): boolean {
    return this.deps.pipeline.stopping;
  }

  /** Builds the runner of the checks this process owns, moves the rules to them, evaluates what was handed over, then starts probing. */
  async start(config: OpsConfig, registry?: OperationsHost['metrics']['registry']): Promise<void> {
    const checks = this.buildCheckRunner(config, registry);
    this.checks = checks;
    await this.rulesToChecksHeld();
    await this.deps.results.resumeHandedOver();
    await checks.start();
  }

  /** Probing stops (runs in flight are aborted). */
  async stop(): Promise<void> {
    await this.checks?.stop();
  }

  /**
   * The history's last write, once the pipeline has drained at a stop: the settled states the rules
   * released while it drained (see CheckRunnerOptions.settledAfterRules).
   */
  async flushHistory(): Promise<void> {
    await this.checks?.flushHistory();
  }

  cancelRetry(): void {
    this.cancelMoveRetry?.();
  }

  /** Resolves once the probes in flight have finished (waiting at most `maxMs` of real time), the pipeline aside. */
  async settled(maxMs: number): Promise<void> {
    await this.checks?.scheduler.settled(maxMs);
  }

  /**
   * Only the checks a reload changed move: those gone stop (a run in flight is aborted), those new
   * start at their phase, those whose definition changed are replaced; the others run on untouched,
   * a run in flight included. Taken in turn with the lease moves, which add and remove checks too.
   */
  reloadChecks(config: OpsConfig): Promise<void> {
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
    const { daemon } = this;
    const cluster = daemon.cluster;
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
      // Read at each pass: a reload's retention applies at the next one.
      retention: {
        get rawMs() {
          return daemon.config.storage.retention.check_results;
        },
        get rollupsMs() {
          return daemon.config.storage.retention.check_rollups;
        },
      },
      ...(this.daemon.historyFlushMs !== undefined ? { historyFlushMs: this.daemon.historyFlushMs } : {}),
      ...(this.daemon.historyRollupMs !== undefined ? { rollupEveryMs: this.daemon.historyRollupMs } : {}),
      ...(this.daemon.samples ? { samples: this.daemon.samples } : {}),
      onResult: (result, probe, _changed, rulesSaw) => this.deps.results.onResult(result, probe, tokenOf(result.checkId), rulesSaw),
      onStoredState: (states, rulesSaw) => this.deps.results.onStoredStates(states, tokenOf, rulesSaw),
      // A failure the rules have not seen stays stored until they have: a kill or a lease move with it queued does not hide it.
      settledAfterRules: true,
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
    const ruleTimers = this.deps.ruleTimers;
    const owned = ownedRules(this.daemon.config, this.daemon.cluster);
    const rules = owned.rules.filter((r) => this.checkTokens.has(r.checkId));
    const tokens = ruleLeases(rules, (checkId) => this.checkTokens.get(checkId));
    const gained = new Set(rules.filter((r) => ruleTimers.ruleTokens.get(r.id)?.epoch !== tokens.get(r.id)?.epoch).map((r) => r.id));
    if (gained.size === 0 && rules.length === ruleTimers.ruleTokens.size) return;
    await this.deps.pipeline.enqueue(async () => {
      await this.deps.alerts.move(rules, owned.info, gained);
      ruleTimers.ruleTokens = tokens;
    }, { urgent: true });
  }

  /**
   * The leases this process holds changed (a process joined, died or this one lost the database):
   * only what changed moves. The checks of the partitions kept run on untouched, and their rules keep
   * their state in memory; those of partitions lost stop, and their rules are dropped; those of
   * partitions gained start when each is due (at once, those overdue), and their rules' state is
   * read back from the store, where the last owner left it, ahead of their results in the pipeline.
   * Resolves once the gained checks run (their rules' move may still wait in the pipeline). The
   * escalations follow.
   */
  moveWork(): Promise<void> {
    this.cancelMoveRetry?.();
    this.cancelMoveRetry = undefined;
    // A process that has just taken the singletons lease runs the scheduled procedures that fell due meanwhile.
    this.deps.leasesChanged();
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

  /** Resolves once the moves begun so far are done (a failed one is logged and tried again later). */
  workMoved(): Promise<void> {
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
    if (this.stopping || this.deps.probes === false || !this.checks || !cluster) return;
    this.stopLostChecks();
    const owned = ownedChecks(config, cluster);
    const gained = owned.checks.filter((c) => !this.checkTokens.has(c.id));
    const gainedIds = new Set(gained.map((c) => c.id));
    const rules = ownedRules(config, cluster);
    const { ruleTimers, heldPages } = this.deps;
    // Queued ahead of all that the gained checks queue next (the results handed over, the catch-ups
    // with stored states, their own results), but not waited for: the pipeline runs one step at a
    // time, and the steps ahead (a backlog of results, a write waiting on a lock) held the gained
    // checks' first probes back by up to 10 s in chaos runs. Only the rules of the partitions gained
    // read the store.
    const rulesMoved = this.deps.pipeline.enqueue(async () => {
      await this.deps.alerts.move(rules.rules, rules.info, new Set(rules.rules.filter((r) => gainedIds.has(r.checkId)).map((r) => r.id)));
      // Read together with the rules: a kept rule's lease has the epoch it had (a lease lost and
      // taken again counts as gained, and its rules' state is read again).
      ruleTimers.ruleTokens = ruleLeases(rules.rules, (checkId) => owned.tokens.get(checkId));
      ruleTimers.refusedLeases.clear();
      ruleTimers.armAlertTimer();
      // Held pages of the partitions gained whose window ended meanwhile are released now.
      await heldPages.armReleaseTimer();
    }, { urgent: true });
    const starting = gained.map((c) => ({ check: c, token: owned.tokens.get(c.id)! }));
    for (const { check, token } of starting) this.checkTokens.set(check.id, token);
    cluster.setChecksOwned(this.checkTokens.size);
    // Their rules could not be moved: the checks stop again, to be gained afresh (their stored
    // states caught up with) by the move tried next.
    void rulesMoved.catch((err: unknown) => {
      this.daemon.logger.error({ err }, 'could not move the rules of the partitions gained; their checks stop and the move is tried again shortly');
      this.unstart(starting);
      this.retryMove();
    });
    try {
      await this.deps.results.resumeHandedOver();
      await this.checks.add(gained, { takenOver: true });
    } catch (e) {
      // Not started: they are gained again at the move tried next.
      this.unstart(starting);
      throw e;
    }
    this.daemon.logger.info({ leases: [...cluster.leases.keys()], checks: this.checkTokens.size, started: gained.length }, 'cluster: checks moved to the leases held now');
    void this.deps.escalations.tick().catch(() => undefined);
    // The incidents about stuck paging of the partitions gained are resolved here from now on.
    void this.deps.stuckEscalations.adopt().catch(() => undefined);
  }

  /** Checks a move started (or was starting) stop, those still under the lease they were started under. */
  private unstart(started: ReadonlyArray<{ check: { id: string }; token: LeaseToken }>): void {
    const ids = started.filter(({ check, token }) => this.checkTokens.get(check.id) === token).map(({ check }) => check.id);
    for (const id of ids) this.checkTokens.delete(id);
    void this.checks?.remove(ids);
    this.daemon.cluster?.setChecksOwned(this.checkTokens.size);
  }
}
