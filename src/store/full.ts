/**
 * Whether an error means the store could not write for lack of space: SQLite's SQLITE_FULL (and an
 * I/O error carrying ENOSPC), the file layer's ENOSPC, PostgreSQL's disk_full (SQLSTATE 53100) and
 * its "could not extend file" / "No space left on device". Causes are followed, so an error wrapped
 * by a repository still counts.
 */
export function isStoreFull(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === '53100') return true;
    if (typeof message === 'string' && /database or disk is full|no space left on device|could not extend file|ENOSPC/i.test(message)) return true;
  }
  return false;
}
