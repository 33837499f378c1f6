import { OpsbookError, isOpsbookError } from '../lib/errors/index.js';
import { codesOf } from './error-chain.js';
import { isStoreFull } from './full.js';

/** How long a refused writer is told to wait before trying again: about the SQLite store's wait for a lock (SQLITE_BUSY_WAIT_MS). */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * Why a write could not take the store for now, or undefined: another process holds SQLite's
 * write lock past the store's wait (SQLITE_BUSY, "database is locked"); on PostgreSQL a lock or
 * statement timeout (55P03, 57014), a serialization failure or deadlock (40001, 40P01), each of
 * which rolled the transaction back.
 */
export function storeBusyReason(error: unknown): string | undefined {
  for (const { code, message } of codesOf(error)) {
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || /database (table )?is locked/i.test(message)) {
      return `another process holds its write lock (a long prune, a migration, a stuck process) and did not let go within ${STORE_RETRY_AFTER_SECONDS}s`;
    }
    if (code === '55P03' || (code === '57014' && /lock timeout/i.test(message))) return 'another session holds a lock this write needs (PostgreSQL lock_timeout)';
    if (code === '57014' && /statement timeout/i.test(message)) return 'the write took longer than PostgreSQL’s statement_timeout, waiting on another session';
    if (code === '57014') return 'PostgreSQL cancelled the write (pg_cancel_backend or a timeout)';
    if (code === '40001') return 'another session changed the same rows at once (PostgreSQL serialization failure)';
    if (code === '40P01') return 'it deadlocked with another session’s write (PostgreSQL deadlock)';
  }
  return undefined;
}

/**
 * Why the store cannot be reached, or undefined: PostgreSQL refusing connections or going away
 * mid-request (ECONNREFUSED, too many connections 53300, shutdown 57P01–57P03, a connection cut).
 */
export function storeUnreachableReason(error: unknown): string | undefined {
  for (const { code, message } of codesOf(error)) {
    if (code === 'ECONNREFUSED') return 'the database refused the connection (is PostgreSQL running?)';
    if (code === '53300') return 'PostgreSQL has no connection left (too many connections)';
    if (code === '57P01' || code === '57P02' || code === '57P03') return 'PostgreSQL ended the connection (shutting down, restarting, or an administrator ended it)';
    if (code === 'ECONNRESET' || /connection terminated|terminating connection|Client has encountered a connection error/i.test(message)) return 'the connection to the database was cut mid-request';
  }
  return undefined;
}

/**
 * A store error a person can act on, named; the one place HTTP (API and UI) and the CLI name them.
 * A full disk is OPSBOOK_E_STORE_FULL; a store held by another process past its wait is
 * OPSBOOK_E_STORE_BUSY; a database that refuses or drops the connection is
 * OPSBOOK_E_STORE_UNAVAILABLE. None leaves a transaction half made. The busy and unreachable ones carry
 * `details.retryAfterSeconds`. Anything else is returned as it came.
 */
export function namedStoreError(error: unknown): unknown {
  if (isOpsbookError(error) || !error || typeof error !== 'object') return error;
  if (isStoreFull(error)) {
    return new OpsbookError('OPSBOOK_E_STORE_FULL', "opsbook's store cannot write: its disk is full. Nothing was changed; free space and try again (pages still go out from memory)", { cause: error });
  }
  const details = { retryAfterSeconds: STORE_RETRY_AFTER_SECONDS };
  const busy = storeBusyReason(error);
  if (busy) return new OpsbookError('OPSBOOK_E_STORE_BUSY', `opsbook's store is busy: ${busy}. Nothing was changed; try again shortly`, { cause: error, details });
  const unreachable = storeUnreachableReason(error);
  if (unreachable) {
    return new OpsbookError('OPSBOOK_E_STORE_UNAVAILABLE', `opsbook's store cannot be reached: ${unreachable}. A write it cut off is not half made (a transaction commits whole or not at all); check whether it took before repeating it`, { cause: error, details });
  }
  return error;
}

/** Seconds to put in Retry-After for a named store error, if it says to retry. */
export function retryAfterSeconds(error: unknown): number | undefined {
  const seconds = isOpsbookError(error) ? error.details?.retryAfterSeconds : undefined;
  return typeof seconds === 'number' ? seconds : undefined;
}
