import type { Kysely } from 'kysely';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Database, Store } from '../store/index.js';
import { insertOutbox } from '../store/repos/outbox.js';
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

function isStore(x: Store | Kysely<Database>): x is Store {
  return typeof (x as Store).ping === 'function' && 'dialect' in x;
}

/**
 * Writes a notification to the outbox: one row, one statement, in the caller's transaction when it
 * passes one (a Kysely transaction), so an incident change and its notifications commit together.
 * The row id (`msg_…`) is the id receivers see on every attempt (`webhook-id`).
 */
export async function enqueueNotification(target: Store | Kysely<Database>, clock: Clock, n: Notification): Promise<{ id: string; created: boolean }> {
  const db = isStore(target) ? target.db : target;
  const now = clock.now();
  const { channelId, dedupKey, ...rest } = n;
  const result = await insertOutbox(db, {
    id: newId('msg', now),
    channel_id: channelId,
    event: n.event,
    incident_id: n.incident?.id ?? null,
    dedup_key: dedupKey ?? null,
    payload: JSON.stringify(rest),
    status: 'pending',
    created_at: now,
    due_at: now,
    attempts: 0,
    retry_from: now,
    retry_from_attempt: 0,
    lease_owner: null,
    delivered_at: null,
    dead_at: null,
    last_status: null,
    last_error: null,
  });
  if (!db.isTransaction && result.created) signalOutbox();
  return result;
}

/** The Notification a row was made from. */
export function notificationOf(row: { channel_id: string; payload: string; dedup_key: string | null }): Notification {
  const rest = JSON.parse(row.payload) as Omit<Notification, 'channelId' | 'dedupKey'>;
  return { ...rest, channelId: row.channel_id, ...(row.dedup_key ? { dedupKey: row.dedup_key } : {}) };
}
