import { resolveStorage, type OpsConfig } from '../config/index.js';
import { openStore, type Store } from '../store/index.js';

/** Opens the store a config names (`storage:`), resolving relative paths against its directory. */
export function openConfiguredStore(config: OpsConfig, baseDir: string): Promise<Store> {
  const target = resolveStorage(config.storage, baseDir);
  // Several processes share PostgreSQL: a transaction left open by a paused process must not hold
  // the lease rows it fenced on for longer than a lease (see docs/cluster.md).
  return openStore({ url: target.kind === 'sqlite' ? target.path : target.url, idleInTransactionTimeoutMs: config.storage.cluster.lease });
}

/**
 * PostgreSQL: a second, small pool on the same database for the cluster's lease renewals, so a
 * renewal never queues behind the work's writes for a connection.
 */
export function openLeaseStore(config: OpsConfig, baseDir: string): Promise<Store> {
  const target = resolveStorage(config.storage, baseDir);
  if (target.kind === 'sqlite') throw new Error('lease store: PostgreSQL only');
  return openStore({ url: target.url, poolSize: 2, idleInTransactionTimeoutMs: config.storage.cluster.lease });
}
