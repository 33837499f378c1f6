import { incidentFromRow, type Incident } from '../../incidents/index.js';
import { isOpsbookError } from '../../lib/errors/index.js';
import { leaseOf, outsideLease, runUnderLease } from '../../cluster/index.js';
import { listUnpagedIncidents } from '../../store/index.js';
import type { IncidentEffects } from './effects.js';
import type { OperationsHost } from './host.js';

/**
 * How often a running daemon looks for triggered incidents nobody was told of, and how long an
 * incident is left to its own opening's page first (that page is written within moments).
 */
export const MISSED_PAGES_EVERY_MS = 60_000;

/** The most incidents one look pages (the oldest first); the rest wait for the next. */
const MISSED_PAGES_LIMIT = 200;

/**
 * Finds, once a minute, the triggered incidents whose page never went out and pages them: an
 * escalation that could not start after its incident's commit (a person's incident, or an alert
 * group's whose start in the group's transaction failed) is started again without a restart. A
 * page that still cannot be written is tried at the next look, with one error logged per look.
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

  /** One look: the triggered incidents opened a minute ago or earlier with no escalation and no outbox row. */
  async look(): Promise<void> {
    const { store, clock, config, logger, cluster } = this.host;
    const rows = await listUnpagedIncidents(store.db, clock.now() - MISSED_PAGES_EVERY_MS, MISSED_PAGES_LIMIT);
    if (rows.length === 0) return;
    const byLease = new Map<string, Incident[]>();
    for (const row of rows) {
      const lease = cluster ? leaseOf(row.id, config.storage.cluster.partitions) : '';
      byLease.set(lease, [...(byLease.get(lease) ?? []), incidentFromRow(row)]);
    }
    const paged: string[] = [];
    const failed: Array<{ id: string; err: unknown }> = [];
    for (const [lease, incidents] of byLease) {
      const token = cluster?.tokenOf(lease);
      if (cluster && !token) continue; // another process's partition: its holder pages them
      await runUnderLease(token, async () => {
        for (const incident of incidents) {
          try {
            if (await this.effects.pageMissed(incident)) paged.push(incident.id);
          } catch (err) {
            // Refused by fencing: the partition passed on, its new holder pages the rest.
            if (isOpsbookError(err) && err.code === 'OPSBOOK_E_FENCED') return;
            failed.push({ id: incident.id, err });
          }
        }
      });
    }
    if (paged.length > 0) logger.warn({ incidents: paged }, 'triggered incidents nobody was paged for: their pages went out now');
    if (failed.length > 0) {
      logger.error(
        { err: failed[0]!.err, incidents: failed.map((f) => f.id) },
        `triggered incidents still unpaged: their pages could not be written; tried again in ${MISSED_PAGES_EVERY_MS / 1000} s`,
      );
    }
  }
}
