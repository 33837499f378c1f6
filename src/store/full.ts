import { codesOf } from './error-chain.js';

/**
 * Whether an error means the store could not write for lack of space: SQLite's SQLITE_FULL (and an
 * I/O error carrying ENOSPC), the file layer's ENOSPC, PostgreSQL's disk_full (SQLSTATE 53100) and
 * its "could not extend file" / "No space left on device". Causes are followed, so an error wrapped
 * by a repository still counts.
 */
export function isStoreFull(error: unknown): boolean {
  return codesOf(error).some(({ code, message }) => code === 'SQLITE_FULL' || code === 'ENOSPC' || code === '53100' || /database or disk is full|no space left on device|could not extend file|ENOSPC/i.test(message));
}
