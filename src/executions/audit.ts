import { appendAudit, type AuditEntry, type AuditInput, type Store } from '../store/index.js';

/** The little of a logger the executions domain needs (pino's signature). */
export interface ExecutionLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn?(obj: Record<string, unknown>, msg: string): void;
}

/**
 * Appends to the hash-chained audit log and publishes the new head in a log line, so a copy of
 * the latest hash lives outside the store: removing entries from the end is then detectable with
 * `opsbook audit verify --head HASH`.
 */
export async function audit(store: Store, logger: ExecutionLogger | undefined, input: AuditInput): Promise<AuditEntry> {
  const entry = await appendAudit(store.db, store.dialect, input);
  logger?.info({ audit_seq: Number(entry.seq), audit_head: entry.hash, action: entry.action }, 'audit head');
  return entry;
}
