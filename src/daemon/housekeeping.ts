import { Counter, Gauge } from 'prom-client';
import type { OpsConfig } from '../config/index.js';
import type { Clock } from '../lib/clock.js';
import { checkpointWal, pruneDeliveries, pruneTranscripts, storeBytes, type Store } from '../store/index.js';
import type { Logger } from './logger.js';
import type { DaemonMetrics } from './metrics.js';

export interface HousekeepingHost {
  readonly config: OpsConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: DaemonMetrics;
}

/**
 * The store's upkeep: prunes delivery attempts and finished executions' transcripts past their
 * retention (check results are pruned by the check runner with the same settings), checkpoints and
 * truncates SQLite's WAL, and exports the store's size. The audit log is never pruned.
 */
export class Housekeeping {
  readonly name = 'housekeeping';
  private cancelRetention?: () => void;
  private cancelCheckpoint?: () => void;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly deleted: Counter<'kind'>;

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
  }

  start(): void {
    this.armRetention();
    this.armCheckpoint();
  }

  /** One retention pass now (the job runs it every `storage.retention.every`). */
  async retain(): Promise<Record<string, number>> {
    const { retention } = this.host.config.storage;
    const now = this.host.clock.now();
    const counts = {
      deliveries: await pruneDeliveries(this.host.store.db, now - retention.deliveries),
      transcripts: await pruneTranscripts(this.host.store.db, now - retention.transcripts),
    };
    for (const [kind, n] of Object.entries(counts)) if (n > 0) this.deleted.inc({ kind }, n);
    if (counts.deliveries + counts.transcripts > 0) this.host.logger.info({ deleted: counts }, 'retention pruned history');
    return counts;
  }

  private armRetention(): void {
    if (this.stopped) return;
    this.cancelRetention = this.host.clock.at(this.host.clock.now() + this.host.config.storage.retention.every, () => {
      this.running = this.running.then(() => this.retain().then(() => undefined, (e: unknown) => this.host.logger.error({ err: e }, 'retention failed'))).finally(() => this.armRetention());
    });
  }

  private armCheckpoint(): void {
    if (this.stopped || this.host.store.dialect !== 'sqlite') return;
    this.cancelCheckpoint = this.host.clock.at(this.host.clock.now() + this.host.config.storage.checkpoint_every, () => {
      this.running = this.running
        .then(async () => {
          const r = await checkpointWal(this.host.store);
          if (r?.busy) this.host.logger.debug('WAL checkpoint could not truncate (a reader is open); the next one will');
        })
        .catch((e: unknown) => this.host.logger.warn({ err: e }, 'WAL checkpoint failed'))
        .finally(() => this.armCheckpoint());
    });
  }

  reload(): void {
    this.cancelRetention?.();
    this.cancelCheckpoint?.();
    this.armRetention();
    this.armCheckpoint();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRetention?.();
    this.cancelCheckpoint?.();
    await this.running;
  }
}
