/**
 * The rules' timers (`for:` elapsed, `keep_firing_for` ran out): armed for their next due instant
 * and, in a cluster, run under the lease each rule's state was held under, so a process that lost a
 * partition cannot open or resolve an incident for it.
 */
import type { AlertEngine } from '../../alerts/index.js';
import { outsideLease, runUnderLease } from '../../cluster/index.js';
import { isOpsbookError } from '../../lib/errors/index.js';
import { rearmAfter } from '../../lib/rearm.js';
import type { LeaseToken } from '../../store/index.js';
import { pagedFromMemory, type AlertCommit } from './alert-commit.js';
import type { Pipeline } from './pipeline.js';

export class RuleTimers {
  private cancelAlertTimer: (() => void) | undefined;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly alerts: AlertEngine,
    private readonly commit: AlertCommit,
  ) {}

  /**
   * Arms the timer of the rules' due instants (`for:` elapsed, `keep_firing_for` ran out), no sooner
   * than `notBefore`. A run that fails (the store refused what the rules found) is logged and armed
   * again a little later: the rules' timers stay due, and a check's next run may be far off.
   */
  armAlertTimer(notBefore = -Infinity): void {
    const daemon = this.pipeline.daemon;
    const next = this.alerts.nextDueAt(daemon.cluster ? this.ruleHeld : undefined);
    this.cancelAlertTimer?.();
    if (next === undefined || this.pipeline.stopping) return;
    const due = Math.max(next, notBefore);
    // Armed outside any lease: it is armed while a check's result is handled, and the rules it runs
    // are all this process's; tickAlerts runs each under the lease its state was held under.
    this.cancelAlertTimer = outsideLease(() => daemon.clock.at(due, () => {
      void this.pipeline.enqueue(() =>
        rearmAfter(
          daemon.clock,
          () => this.tickAlerts(),
          (later) => this.armAlertTimer(later),
          (err) => daemon.logger.error({ err }, 'rule timers (for:, keep_firing_for) could not run; tried again shortly'),
        ),
      );
    }));
  }

  /** The timer stops (the first step of a stop). */
  cancel(): void {
    this.cancelAlertTimer?.();
  }

  /**
   * Cluster: the lease (and epoch) each rule's state in the alert engine was held under when it was
   * read or kept, by rule id. A rule's timers write under it, not under whatever this process holds
   * when they fall due.
   */
  ruleTokens = new Map<string, LeaseToken>();

  /** Leases (`lease@epoch`) fencing refused a timer's write under: gone for good, epochs only grow. */
  readonly refusedLeases = new Set<string>();

  /** The rule's lease is still held under the epoch its state was held under (as far as this process knows). */
  private readonly ruleHeld = (ruleId: string): boolean => {
    const t = this.ruleTokens.get(ruleId);
    return t !== undefined && this.pipeline.daemon.cluster?.tokenOf(t.lease)?.epoch === t.epoch && !this.refusedLeases.has(`${t.lease}@${t.epoch}`);
  };

  /**
   * Runs the rules' due timers (`for:` elapsed, `keep_firing_for` ran out). In a cluster, one call
   * per lease, under it: the rule state, incident and page writes they cause are fenced by the lease
   * the rules were held under, in their transaction, so a process that lost a partition (and has
   * not moved its rules yet) cannot open or resolve an incident for it. Rules whose lease this
   * process knows it lost are left for the move, which drops them.
   */
  private async tickAlerts(): Promise<void> {
    const cluster = this.pipeline.daemon.cluster;
    if (!cluster) {
      await this.alerts.tick(this.commit.commitAlerts).catch(pagedFromMemory);
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
      await runUnderLease(token, () => this.alerts.tick(this.commit.commitAlerts, (id) => rules.has(id))).catch((e: unknown) => {
        // Refused (logged and counted by fencing, which makes the coordinator look again): the
        // rules stay as they were until the move drops them; the other leases' timers run on.
        if (!isOpsbookError(e) || e.code !== 'OPSBOOK_E_FENCED') return pagedFromMemory(e);
        // Not tried again before the move: their timers have fallen due, and would fire at once.
        this.refusedLeases.add(`${token.lease}@${token.epoch}`);
      });
    }
  }
}
