/** Row types of the foundation's tables. Instants are epoch milliseconds; JSON is stored as text. */

export interface ApiTokensTable {
  id: string;
  user_name: string;
  /** A label the creator chose, e.g. "ci" or "grafana". */
  name: string;
  /** SHA-256 of the token, hex. The token itself is never stored. */
  token_hash: string;
  created_at: number;
  created_by: string;
  last_used_at: number | null;
  revoked_at: number | null;
  revoked_by: string | null;
}

/**
 * Append-only record of every domain action with its actor. Entries are hash-chained: `hash` is the
 * SHA-256 of `prev_hash` and the entry's canonical JSON, so any edit, insertion or deletion shows.
 */
export interface AuditLogTable {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string;
  details: string;
  prev_hash: string;
  hash: string;
}

/** One archive of the audit chain's prefix: entries from_seq..to_seq moved to `file`; `hash` is to_seq's hash. */
export interface AuditArchivesTable {
  to_seq: number;
  from_seq: number;
  hash: string;
  file: string;
  archived_at: number;
  archived_by: string;
}
