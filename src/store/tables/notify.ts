/** Row types of the notification outbox. Instants are epoch milliseconds; JSON is stored as text. */

/** `cancelled`: a page no longer needed (its incident was acknowledged or resolved) before it got through. */
export type OutboxStatus = 'pending' | 'delivering' | 'delivered' | 'dead' | 'cancelled';

/**
 * One notification to one channel. The row id (`msg_…`) is the `webhook-id` receivers dedupe on;
 * it never changes across retries. `due_at` is when a worker may take the row next: the next
 * attempt for `pending`, the lease expiry for `delivering` (a crashed worker's rows come back
 * then), null once delivered or dead.
 */
export interface OutboxTable {
  id: string;
  channel_id: string;
  event: string;
  incident_id: string | null;
  /** Caller's idempotency key: enqueueing the same (channel, key) twice keeps one row. */
  dedup_key: string | null;
  /** The Notification as JSON. */
  payload: string;
  status: OutboxStatus;
  created_at: number;
  due_at: number | null;
  /** Attempts started, across re-drives; the delivery log numbers attempts with it. */
  attempts: number;
  /** Start of the current retry window (enqueue, or the last re-drive); `retry.max_age` counts from it. */
  retry_from: number;
  /** `attempts` when the current window started; backoff grows with attempts since then. */
  retry_from_attempt: number;
  /** Worker holding the lease while `delivering`. */
  lease_owner: string | null;
  delivered_at: number | null;
  dead_at: number | null;
  last_status: number | null;
  last_error: string | null;
}

/** Every attempt to deliver an outbox row: the per-incident delivery log. */
export interface DeliveriesTable {
  id: string;
  outbox_id: string;
  channel_id: string;
  incident_id: string | null;
  attempt: number;
  at: number;
  /** delivered | retry | dead | superseded (the lease had passed to another worker) | cancelled (no attempt: the page was called off). */
  outcome: string;
  status_code: number | null;
  error: string | null;
  /** What the peer answered, shortened (e.g. the SMTP reply). */
  detail: string | null;
  duration_ms: number;
}

/** Keys opsbook generates for itself (the action-link signing key), never written in config. */
export interface NotifyKeysTable {
  name: string;
  secret: string;
  created_at: number;
}

export interface NotifyTables {
  outbox: OutboxTable;
  deliveries: DeliveriesTable;
  notify_keys: NotifyKeysTable;
}
