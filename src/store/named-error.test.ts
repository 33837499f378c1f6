/**
 * Which store errors are named, by the codes SQLite and PostgreSQL give them (and through a
 * repository's wrapping): the real refusals are driven in test/store/store-busy*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { isOpsbookError } from '../lib/errors/index.js';
import { namedStoreError, retryAfterSeconds } from './named-error.js';

const failure = (code: string, message: string) => Object.assign(new Error(message), { code });
const codeOf = (e: unknown) => (isOpsbookError(namedStoreError(e)) ? (namedStoreError(e) as { code: string }).code : undefined);

describe('namedStoreError', () => {
  it.each([
    ['SQLITE_BUSY', 'database is locked', 'OPSBOOK_E_STORE_BUSY'],
    ['SQLITE_BUSY_SNAPSHOT', 'database is locked', 'OPSBOOK_E_STORE_BUSY'],
    ['55P03', 'canceling statement due to lock timeout', 'OPSBOOK_E_STORE_BUSY'],
    ['57014', 'canceling statement due to statement timeout', 'OPSBOOK_E_STORE_BUSY'],
    ['57014', 'canceling statement due to user request', 'OPSBOOK_E_STORE_BUSY'],
    ['40001', 'could not serialize access due to concurrent update', 'OPSBOOK_E_STORE_BUSY'],
    ['40P01', 'deadlock detected', 'OPSBOOK_E_STORE_BUSY'],
    ['53300', 'sorry, too many clients already', 'OPSBOOK_E_STORE_UNAVAILABLE'],
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432', 'OPSBOOK_E_STORE_UNAVAILABLE'],
    ['57P01', 'terminating connection due to administrator command', 'OPSBOOK_E_STORE_UNAVAILABLE'],
    ['', 'Connection terminated unexpectedly', 'OPSBOOK_E_STORE_UNAVAILABLE'],
    ['SQLITE_FULL', 'database or disk is full', 'OPSBOOK_E_STORE_FULL'],
  ])('names %s (%s) %s', (code, message, named) => {
    expect(codeOf(failure(code, message))).toBe(named);
    expect(codeOf(new Error('ack failed', { cause: failure(code, message) }))).toBe(named);
  });

  it('tells the busy and unreachable to retry (Retry-After), not the full disk', () => {
    expect(retryAfterSeconds(namedStoreError(failure('SQLITE_BUSY', 'database is locked')))).toBe(5);
    expect(retryAfterSeconds(namedStoreError(failure('57P01', 'terminating connection')))).toBe(5);
    expect(retryAfterSeconds(namedStoreError(failure('SQLITE_FULL', 'database or disk is full')))).toBeUndefined();
  });

  it('returns anything else as it came', () => {
    const other = failure('23505', 'duplicate key value violates unique constraint');
    expect(namedStoreError(other)).toBe(other);
    expect(namedStoreError('text')).toBe('text');
  });
});
