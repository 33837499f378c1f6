import { resolveStorage, type OpsConfig } from '../config/index.js';
import { openStore, type Store } from '../store/index.js';

/** Opens the store a config names (`storage:`), resolving relative paths against its directory. */
export function openConfiguredStore(config: OpsConfig, baseDir: string): Promise<Store> {
  const target = resolveStorage(config.storage, baseDir);
  // Several processes share PostgreSQL: a transaction left open by a paused process must not hold
  // the lease rows it fenced on for longer than a lease (see docs/cluster.md).
  return openStore({ url: target.kind === 'sqlite' ? target.path : target.url, idleInTransactionTimeoutMs: config.storage.cluster.lease });
}
