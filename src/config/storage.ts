import { isAbsolute, resolve } from 'node:path';
import type { OpsConfig } from './schema/index.js';

/** Where opsbook's state lives, resolved against the config's directory. */
export type StorageTarget = { kind: 'sqlite'; path: string; dataDir: string } | { kind: 'postgres'; url: string; dataDir: string };

const POSTGRES = /^postgres(ql)?:\/\//i;

/**
 * Absent `storage.url` means SQLite at `<data_dir>/opsbook.db`; a postgres:// URL means PostgreSQL;
 * any other text is a SQLite file path relative to the config's directory.
 */
export function resolveStorage(storage: OpsConfig['storage'], baseDir: string): StorageTarget {
  const dataDir = isAbsolute(storage.data_dir) ? storage.data_dir : resolve(baseDir, storage.data_dir);
  const url = storage.url;
  if (url === undefined) return { kind: 'sqlite', path: resolve(dataDir, 'opsbook.db'), dataDir };
  if (POSTGRES.test(url)) return { kind: 'postgres', url, dataDir };
  return { kind: 'sqlite', path: isAbsolute(url) ? url : resolve(baseDir, url), dataDir };
}
