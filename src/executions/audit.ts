import type { Transaction } from 'kysely';
import { appendAuditIn, auditCommitted, type AuditEntry, type AuditInput, type Database, type Store } from '../store/index.js';

/** The little of a logger the executions domain needs (pino's signature). */
export interface ExecutionLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn?(obj: Record<string, unknown>, msg: string): void;
}

/** Appends an audit entry inside the action's transaction. */
export type AuditIn = (input: AuditInput) => Promise<AuditEntry>;

/**
 * Runs an action's writes and its audit entries in one transaction, so they commit or vanish
 * together (a crash never leaves an action without its entry, or an entry for an action that did
 * not happen). Once committed, the new head is published in a log line and to the store's head
 * listener, so a copy of the latest hash lives outside the store: removing entries from the end
 * is then detectable with `opsbook audit verify --head HASH`.
 */
export async function withAudit<T>(store: Store, logger: ExecutionLogger | undefined, action: (trx: Transaction<Database>, audit: AuditIn) => Promise<T>): Promise<T> {
  const appended: AuditEntry[] = [];
  const result = await store.db.transaction().execute((trx) =>
    action(trx, async (input) => {
      const entry = await appendAuditIn(trx, store.dialect, input);
      appended.push(entry);
      return entry;
    }),
  );
  for (const entry of appended) {
    auditCommitted(store.db, entry);
    logger?.info({ audit_seq: Number(entry.seq), audit_head: entry.hash, action: entry.action }, 'audit head');
  }
  return result;
}

/** An audit entry that is the action itself (a confirmation given): its own transaction. */
export function audit(store: Store, logger: ExecutionLogger | undefined, input: AuditInput): Promise<AuditEntry> {
  return withAudit(store, logger, (_trx, append) => append(input));
}
