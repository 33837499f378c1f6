import { Counter, Gauge } from 'prom-client';
import type { OpsConfig } from '../config/index.js';
import type { Clock } from '../lib/clock.js';
import { checkpointWal, pruneDeliveries, pruneOrphanedHandover, pruneTranscripts, storeBytes, WalCheckpointer, type Store } from '../store/index.js';
import { allLeases, type ClusterCoordinator } from '../cluster/index.js';
import { isOpsbookError } from '../lib/errors/index.js';
import type { Logger } from './logger.js';
import type { DaemonMetrics } from './metrics.js';
import { PeriodicTask } from './periodic.js';

export interface HousekeepingHost {
  readonly config: OpsConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: DaemonMetrics;
  /** Several processes on one PostgreSQL: the singletons holder also prunes orphaned hand-overs. */
  readonly cluster?: ClusterCoordinator | undefined;
}

/**
 * The store's upkeep: prunes delivery attempts and finished executions' transcripts past their
 * retention (check results are pruned by the check runner with the same settings), checkpoints and
 * truncates SQLite's WAL, and exports the store's size. The audit log is never pruned. In a
 * cluster the holder of the singletons lease also drops check results handed over in partitions
 * that no longer exist (see pruneHandover). SQLite's checkpoints, on commit by default, and the
 * periodic truncation run in a worker thread instead (see WalCheckpointer), so a commit on the alert
 * path never waits for one.
 */
export class Housekeeping {
  readonly name = 'housekeeping';
  private readonly deleted: Counter<'kind'>;
  private readonly retention: PeriodicTask;
  private readonly checkpoint: PeriodicTask;
  private checkpointer: WalCheckpointer | undefined;

  constructor(private readonly host: HousekeepingHost) {
    const registers = [host.metrics.registry];
    this.deleted = new Counter({ name: 'opsbook_retention_deleted_total', help: 'Rows deleted by retention, per kind of history.', labelNames: ['kind'], registers });
    new Gauge({
      name: 'opsbook_store_bytes',
      help: 'Size of the store: SQLite pages (the WAL not included), or PostgreSQL’s database size.',
      registers,
      collect: async function (this: Gauge) {
        try {
          this.set(await storeBytes(host.store));
        } catch {
          // A store that does not answer is reported by /_health/ready; the gauge keeps its last value.
        }
      },
    });
    this.retention = new PeriodicTask({
      clock: host.clock,
      next: (now) => now + host.config.storage.retention.every,
      run: () => this.retain(),
      onError: (e) => host.logger.error({ err: e }, 'retention failed'),
    });
    this.checkpoint = new PeriodicTask({
      clock: host.clock,
      next: (now) => (host.store.dialect === 'sqlite' ? now + host.config.storage.checkpoint_every : undefined),
      run: async () => {
        // On the worker's connection while it runs: a truncation on the store's own would stop the
        // event loop for the copy, the fsyncs and the truncation.
        const r = this.checkpointer?.running ? await this.checkpointer.truncate() : await checkpointWal(host.store);
        if (r?.busy) host.logger.debug('WAL checkpoint could not truncate (a reader is open); the next one will');
      },
      onError: (e) => host.logger.warn({ err: e }, 'WAL checkpoint failed'),
    });
  }

  async start(): Promise<void> {
    this.checkpointer = await WalCheckpointer.start(this.host.store, {
      onError: (e) => this.host.logger.warn({ err: e }, 'WAL checkpoint worker failed; commits checkpoint the WAL themselves again'),
    });
    this.retention.start();
    this.checkpoint.start();
  }

  /** One retention pass now (the job runs it every `storage.retention.every`). */
  async retain(): Promise<Record<string, number>> {
    const { retention } = this.host.config.storage;
    const now = this.host.clock.now();
    const counts = {
      deliveries: await pruneDeliveries(this.host.store.db, now - retention.deliveries),
      transcripts: await pruneTranscripts(this.host.store.db, now - retention.transcripts),
      handover: await this.pruneHandover(),
    };
    for (const [kind, n] of Object.entries(counts)) if (n > 0) this.deleted.inc({ kind }, n);
    if (counts.deliveries + counts.transcripts > 0) this.host.logger.info({ deleted: { deliveries: counts.deliveries, transcripts: counts.transcripts } }, 'retention pruned history');
    return counts;
  }

  /**
   * Check results a stopping process handed over in a partition that no longer exists (the
   * partition count was lowered) and that no process holds would wait for ever: the singletons
   * holder drops them, in a transaction fenced by its lease. Their checks run in the partitions they
   * fall in now; only these unevaluated results are lost. Answers how many were dropped.
   */
  private async pruneHandover(): Promise<number> {
    const cluster = this.host.cluster;
    const token = cluster?.singletons;
    if (!cluster || !token) return 0;
    const partitions = this.host.config.storage.cluster.partitions;
    const pruned = await this.host.store.db
      .transaction()
      .execute(async (trx) => {
        await cluster.fence(trx, 'hand-over pruning', token);
        return pruneOrphanedHandover(trx, allLeases(partitions));
      })
      .catch((e: unknown) => {
        // The singletons lease passed on: its new holder prunes them.
        if (isOpsbookError(e) && e.code === 'OPSBOOK_E_FENCED') return {};
        throw e;
      });
    const total = Object.values(pruned).reduce((a, b) => a + b, 0);
    if (total > 0) this.host.logger.warn({ pruned, partitions }, 'cluster: check results handed over in partitions no longer in use were dropped unevaluated (storage.cluster.partitions was lowered); their checks run in the partitions they fall in now');
    return total;
  }

  reload(): void {
    this.retention.reload();
    this.checkpoint.reload();
  }

  async stop(): Promise<void> {
    await Promise.all([this.retention.stop(), this.checkpoint.stop()]);
    await this.checkpointer?.stop();
  }
}
