import type { Kysely } from 'kysely';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Database, Store } from '../store/index.js';
import { insertOutbox, type OutboxRow } from '../store/repos/outbox.js';
import type { Notification } from './types.js';

type Listener = () => void;
const listeners = new Set<Listener>();

/**
 * Tells the outbox workers of this process that a message is waiting, so it goes out at once
 * instead of at the next poll. Called by `enqueueNotification` outside a transaction; a caller that
 * enqueues inside one calls it after the commit (before, a worker on another connection would not
 * see the row yet; the poll picks it up either way).
 */
export function signalOutbox(): void {
  for (const l of listeners) l();
}

/** Subscribes a worker to `signalOutbox`; returns the unsubscribe function. */
export function onOutboxSignal(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * A worker of this process that takes rows as they are written, already leased to it: a page then
 * goes out as soon as its transaction commits, without a claim statement and without waiting for
 * the worker to look. `reserve` books one of its free send slots (false when it has none: the row is
 * written pending and claimed as usual); each booking ends with `take` (the row committed) or
 * `release` (it did not).
 */
export interface OutboxTaker {
  /** Recorded as the lease owner of the rows it takes. */
  readonly id: string;
  /** How long a row taken this way is the taker's before another worker may send it again. */
  readonly leaseMs: number;
  /** Books a free slot of the channel; false when it has none. */
  reserve(channelId: string): boolean;
  release(channelId: string): void;
  take(row: OutboxRow): void;
}

/**
 * The rows one transaction writes leased to a taker. After the commit `handOver` gives them to it;
 * when the transaction fails `abandon` frees their slots (the rows were never written).
 */
export class LeasedRows {
  private readonly rows: OutboxRow[] = [];
  /** Rows written pending instead (the taker had no free slot): the worker must be woken to claim them. */
  pendingWritten = 0;

  constructor(readonly taker: OutboxTaker) {}

  /** A slot of its channel for one more row, if the taker has one. */
  reserve(channelId: string): boolean {
    return this.taker.reserve(channelId);
  }

  add(row: OutboxRow): void {
    this.rows.push(row);
  }

  /** Gives the committed rows to the taker; how many. */
  handOver(): number {
    const rows = this.rows.splice(0);
    for (const row of rows) this.taker.take(row);
    return rows.length;
  }

  abandon(): void {
    for (const row of this.rows.splice(0)) this.taker.release(row.channel_id);
  }
}

function isStore(x: Store | Kysely<Database>): x is Store {
  return typeof (x as Store).ping === 'function' && 'dialect' in x;
}

/**
 * Writes a notification to the outbox: one row, one statement, in the caller's transaction when it
 * passes one (a Kysely transaction), so an incident change and its notifications commit together.
 * The row id (`msg_…`) is the id receivers see on every attempt (`webhook-id`).
 */
export async function enqueueNotification(
  target: Store | Kysely<Database>,
  clock: Clock,
  n: Notification,
  /**
   * Inside a transaction: write the row already leased to this taker (its first attempt started),
   * when it has a free slot, and add it for `handOver` after the commit.
   */
  leased?: LeasedRows,
): Promise<{ id: string; created: boolean }> {
  const db = isStore(target) ? target.db : target;
  const now = clock.now();
  const { channelId, dedupKey, ...rest } = n;
  const lease = leased && db.isTransaction && leased.reserve(channelId) ? leased.taker : undefined;
  const row: OutboxRow = {
    id: newId('msg', now),
    channel_id: channelId,
    event: n.event,
    incident_id: n.incident?.id ?? null,
    dedup_key: dedupKey ?? null,
    payload: JSON.stringify(rest),
    // Leased: as a claim would leave it (delivering, the taker's until the lease runs out, attempt 1).
    status: lease ? 'delivering' : 'pending',
    created_at: now,
    due_at: lease ? now + lease.leaseMs : now,
    attempts: lease ? 1 : 0,
    retry_from: now,
    retry_from_attempt: 0,
    lease_owner: lease ? lease.id : null,
    delivered_at: null,
    dead_at: null,
    last_status: null,
    last_error: null,
  };
  const result = await insertOutbox(db, row);
  if (lease) {
    if (result.created) leased!.add(row);
    else lease.release(channelId); // the same notification is there already: nothing new to send
  } else if (leased && result.created) leased.pendingWritten++;
  if (!db.isTransaction && result.created) signalOutbox();
  return result;
}

/** The Notification a row was made from. */
export function notificationOf(row: { channel_id: string; payload: string; dedup_key: string | null }): Notification {
  const rest = JSON.parse(row.payload) as Omit<Notification, 'channelId' | 'dedupKey'>;
  return { ...rest, channelId: row.channel_id, ...(row.dedup_key ? { dedupKey: row.dedup_key } : {}) };
}
