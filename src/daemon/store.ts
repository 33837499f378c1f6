import { resolveStorage, type OpsConfig } from '../config/index.js';
import { openStore, type Store } from '../store/index.js';

/** Opens the store a config names (`storage:`), resolving relative paths against its directory. */
export function openConfiguredStore(config: OpsConfig, baseDir: string): Promise<Store> {
  const target = resolveStorage(config.storage, baseDir);
  return openStore({ url: target.kind === 'sqlite' ? target.path : target.url });
}
