import { incidentFromRow, type Incident } from '../../incidents/index.js';
import { isOpsbookError } from '../../lib/errors/index.js';
import { leaseOf, outsideLease, runUnderLease } from '../../cluster/index.js';
import { listAnsweredRunningEscalations, listUnpagedIncidents, listUnrevisedEscalations, type IncidentRow } from '../../store/index.js';
import type { IncidentEffects } from './effects.js';
import type { OperationsHost } from './host.js';

/**
 * How often a running daemon looks for triggered incidents nobody was told of, and how long an
 * incident is left to its own opening's page first (that page is written within moments).
 */
export const MISSED_PAGES_EVERY_MS = 60_000;

const UNPAGED = 'triggered incidents nobody was paged for';

/** The most incidents one look pages (the oldest first); the rest wait for the next. */
const MISSED_PAGES_LIMIT = 200;

/**
 * Finds, once a minute, the triggered incidents whose page never went out and pages them: an
 * escalation that could not start after its incident's commit (a person's incident, or an alert
 * group's whose start in the group's transaction failed), or a re-opened incident's stopped
 * escalation that could not start again (its "reopened" update to the channels already paged
 * goes with it), is started without a restart. And the answered incidents whose answer did not
 * reach their escalation (its stop, with its "acknowledged" or "resolved" update, failed after the
 * answer's commit), and stops it, the update with it. And the open incidents whose escalation
 * follows another severity (a worse alert joined while the revision, with its "severity_raised"
 * update, could not be written), and revises it, the update with it. What still cannot be written is tried at the next look, one error logged per look.
 * An incident still unpaged at `STUCK_AFTER_FAILURES` looks in a row raises an incident about
 * opsbook (see StuckEscalations), which pages through the normal path.
 * In a cluster only the incidents of the partitions this process holds, each partition's under
 * its lease (fenced in the page's transaction).
 */
export class MissedPages {
  private cancel: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly host: Pick<OperationsHost, 'store' | 'clock' | 'config' | 'logger' | 'cluster'>,
    private readonly effects: IncidentEffects,
    /** Runs the look in the pipeline's queue, so it never interleaves with an alert group's effects. */
    private readonly enqueue: (work: () => Promise<void>) => Promise<void>,
    /** Told, after each look, of the incidents it could not page (see StuckEscalations). */
    private readonly stuck?: { looked(failed: ReadonlyArray<{ id: string; err: unknown }>): Promise<void> },
  ) {}

  start(): void {
    this.stopped = false;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }

  private arm(): void {
    this.cancel?.();
    if (this.stopped) return;
    const { clock } = this.host;
    // Armed and run outside any lease: each partition's pages are written under its own.
    this.cancel = outsideLease(() =>
      clock.at(clock.now() + MISSED_PAGES_EVERY_MS, () => {
        // A look that failed (the store unavailable) is logged by the queue; the next is a minute later.
        void this.enqueue(() => outsideLease(() => this.look())).then(() => this.arm(), () => this.arm());
      }),
    );
  }

  /**
   * One look: the triggered incidents nobody is paging (opened a minute ago or earlier with no
   * escalation and no outbox row, or re-opened with their escalation left stopped) are paged; the incidents answered a minute ago or earlier whose escalation still
   * pages have it stopped; the open incidents changed a minute ago or earlier whose escalation
   * follows another severity have it revised.
   */
  async look(): Promise<void> {
    const { store, clock, logger } = this.host;
    const before = clock.now() - MISSED_PAGES_EVERY_MS;
    // Each read on its own: one the store cannot answer (an escalation's state unreadable to its
    // JSON functions) does not keep the others, or the incidents opsbook cannot page for, waiting.
    const unread = new Set<string>();
    const read = async (what: string, list: () => Promise<IncidentRow[]>): Promise<IncidentRow[]> => {
      try {
        return await list();
      } catch (err) {
        unread.add(what);
        logger.error({ err }, `${what} could not be read; read again in ${MISSED_PAGES_EVERY_MS / 1000} s`);
        return [];
      }
    };
    const unpaged = await this.underLeases(await read(UNPAGED, () => listUnpagedIncidents(store.db, before, MISSED_PAGES_LIMIT)), (i) => this.effects.pageMissed(i));
    const unstopped = await this.underLeases(await read('answered incidents whose escalation still pages', () => listAnsweredRunningEscalations(store.db, before, MISSED_PAGES_LIMIT)), async (i) => {
      await this.effects.stopAnswered(i);
      return true;
    });
    const unrevised = await this.underLeases(await read('open incidents whose escalation follows another severity', () => listUnrevisedEscalations(store.db, store.dialect, before, MISSED_PAGES_LIMIT)), (i) => this.effects.reviseMissed(i));
    if (unpaged.done.length > 0) logger.warn({ incidents: unpaged.done }, 'triggered incidents nobody was paged for: their pages went out now');
    if (unstopped.done.length > 0) logger.warn({ incidents: unstopped.done }, 'answered incidents whose escalation still paged: stopped now');
    if (unrevised.done.length > 0) logger.warn({ incidents: unrevised.done }, 'open incidents whose escalation followed another severity: revised now');
    const every = `tried again in ${MISSED_PAGES_EVERY_MS / 1000} s`;
    if (unpaged.failed.length > 0) {
      logger.error({ err: unpaged.failed[0]!.err, incidents: unpaged.failed.map((f) => f.id) }, `triggered incidents still unpaged: their pages could not be written; ${every}`);
    }
    // An incident still unpaged after a few looks raises an incident about opsbook, which pages.
    // A look that could not read them says nothing of them (none counted as paged).
    if (!unread.has(UNPAGED)) await this.stuck?.looked(unpaged.failed).catch((err: unknown) => logger.error({ err }, 'incidents opsbook cannot page for could not be checked; checked again at the next look'));
    if (unstopped.failed.length > 0) {
      logger.error({ err: unstopped.failed[0]!.err, incidents: unstopped.failed.map((f) => f.id) }, `answered incidents whose escalation still pages: the stop could not be written; ${every}`);
    }
    if (unrevised.failed.length > 0) {
      logger.error({ err: unrevised.failed[0]!.err, incidents: unrevised.failed.map((f) => f.id) }, `open incidents whose escalation follows another severity: the revision could not be written; ${every}`);
    }
  }

  /**
   * `act` on each incident of `rows`: in a cluster only those of the partitions this process holds,
   * each partition's under its lease. The ids acted on (act answered true) and those that failed.
   */
  private async underLeases(rows: readonly IncidentRow[], act: (incident: Incident) => Promise<boolean>): Promise<{ done: string[]; failed: Array<{ id: string; err: unknown }> }> {
    const { config, cluster } = this.host;
    const done: string[] = [];
    const failed: Array<{ id: string; err: unknown }> = [];
    const byLease = new Map<string, Incident[]>();
    for (const row of rows) {
      const lease = cluster ? leaseOf(row.id, config.storage.cluster.partitions) : '';
      byLease.set(lease, [...(byLease.get(lease) ?? []), incidentFromRow(row)]);
    }
    for (const [lease, incidents] of byLease) {
      const token = cluster?.tokenOf(lease);
      if (cluster && !token) continue; // another process's partition: its holder acts on them
      await runUnderLease(token, async () => {
        for (const incident of incidents) {
          try {
            if (await act(incident)) done.push(incident.id);
          } catch (err) {
            // Refused by fencing: the partition passed on, its new holder acts on the rest.
            if (isOpsbookError(err) && err.code === 'OPSBOOK_E_FENCED') return;
            failed.push({ id: incident.id, err });
          }
        }
      });
    }
    return { done, failed };
  }
}
