/**
 * Pages held back by a maintenance window or a silence: the timer that releases (or drops) them
 * when it ends, with each released page written in the release's transaction, and the end of a
 * runtime silence by hand.
 */
import type { Actor } from '../../identity/index.js';
import type { IncidentEffect, IncidentService, ReleasedPages } from '../../incidents/index.js';
import { leaseOf, outsideLease, runUnderLease } from '../../cluster/index.js';
import { isOpsbookError } from '../../lib/errors/index.js';
import { rearmAfter } from '../../lib/rearm.js';
import type { IncidentEffects } from './effects.js';
import type { Pipeline } from './pipeline.js';

/** How long after a release whose page could not be written it is tried again. */
const RELEASE_RETRY_MS = 5_000;

export class HeldPages {
  private cancelReleaseTimer: (() => void) | undefined;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly incidents: IncidentService,
    private readonly effects: IncidentEffects,
  ) {}

  /**
   * Arms the timer that runs the end of windows and silences (held pages released or dropped). In a
   * cluster only the holder of an incident's partition runs it, under that lease, and while another
   * member shares the work it also looks every `lease / 3` for held incidents it did not arm for
   * (opened by another process). Alone it looks at the end of the next window or silence only, as one
   * process on SQLite does: it armed for every incident it opened, and a partition taken or a member
   * joining arms it again (the coordinator's onChange, through Operations.moveWork and `rearm`).
   */
  async armReleaseTimer(): Promise<void> {
    const daemon = this.pipeline.daemon;
    const cluster = daemon.cluster;
    let next: number | undefined;
    try {
      next = await this.incidents.nextReleaseAt(cluster ? (id) => cluster.tokenFor(id) !== undefined : undefined);
    } catch (err) {
      // Which incidents are held is not known now: looked for again a little later, not never.
      daemon.logger.error({ err }, 'could not read when held pages are released; looking again shortly');
      this.releaseFailed();
      next = this.releaseRetryAt;
    }
    const looked = cluster && !cluster.alone ? Math.min(next ?? Infinity, daemon.clock.now() + Math.max(200, Math.floor(daemon.config.storage.cluster.lease / 3))) : next;
    // A release that failed (its page could not be written) is tried again, but not at once.
    const due = looked === undefined ? undefined : Math.max(looked, this.releaseRetryAt);
    this.cancelReleaseTimer?.();
    if (due === undefined || this.pipeline.stopping) return;
    // Armed and run outside any lease: it is often armed while a check's result is handled, whose
    // lease is not the held incidents' (their release is fenced by their own partition's lease).
    this.cancelReleaseTimer = outsideLease(() => daemon.clock.at(due, () => {
      void this.pipeline.enqueue(() =>
        outsideLease(() =>
          // Armed again after a failed release too: in a cluster it is also how new held pages are found.
          rearmAfter(
            daemon.clock,
            () => this.releaseDue(),
            // A failure moved releaseRetryAt on: the next look is not before it.
            () => this.armReleaseTimer(),
            (err) => {
              daemon.logger.error({ err }, 'held pages could not be released; tried again shortly');
              this.releaseFailed();
            },
            RELEASE_RETRY_MS,
          ),
        ),
      );
    }));
  }

  /** The cluster's leases or members changed: the timer is armed again for how it now looks (see armReleaseTimer). */
  rearm(): void {
    if (this.pipeline.stopping) return;
    void this.pipeline.enqueue(() => outsideLease(() => this.armReleaseTimer())).catch(() => {});
  }

  /** The release timer stops (the first step of a stop). */
  cancel(): void {
    this.cancelReleaseTimer?.();
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
    const daemon = this.pipeline.daemon;
    const cluster = daemon.cluster;
    if (!cluster) {
      await this.incidents.releaseHeld(undefined, this.releasedPages);
      return this.effects.afterCommit();
    }
    const now = daemon.clock.now();
    const partitions = daemon.config.storage.cluster.partitions;
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
      this.pipeline.daemon.logger.error({ err, incident: incidentId }, 'held page could not be sent at the end of its window or silence; it stays held and is tried again');
      this.releaseFailed();
    },
  };

  /** When a failed release may be tried again (see armReleaseTimer). */
  private releaseRetryAt = 0;

  private releaseFailed(): void {
    this.releaseRetryAt = this.pipeline.daemon.clock.now() + RELEASE_RETRY_MS;
  }

  /** Ends a runtime silence now; the pages it held go out (or are dropped) as its `on_end` says. */
  expireSilence(id: string, actor: Actor): Promise<IncidentEffect[]> {
    return this.pipeline.enqueue(async () => {
      const effects = await this.incidents.expireSilence(id, actor, this.releasedPages);
      await this.effects.afterCommit();
      await this.armReleaseTimer();
      return effects;
    }, { answered: true });
  }

  /**
   * A start_escalation whose clock starts now. A page held back by a window starts its response clock
   * when it goes out, not when the incident opened: otherwise the first step and the response-target
   * escalation would fire in the same minute. The release already counted the due time from now
   * (business hours included) and wrote it on the incident.
   */
  private restartedAt(e: Extract<IncidentEffect, { kind: 'start_escalation' }>): IncidentEffect {
    return { ...e, openedAt: this.pipeline.daemon.clock.now() };
  }
}
