import type { Clock } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';
import type { Store } from '../store/index.js';
import { getOutbox, listOutbox, redriveOutbox, type OutboxRow } from '../store/repos/outbox.js';
import { signalOutbox } from './enqueue.js';

/** Messages given up on, oldest first: a state people see and act on, never a silent drop. */
export function listDeadLetters(store: Store, limit?: number): Promise<OutboxRow[]> {
  return listOutbox(store.db, { status: 'dead', ...(limit ? { limit } : {}) });
}

/**
 * Re-drive: a dead message goes back to pending, due now, with a fresh retry window and the same
 * id (receivers that saw an earlier attempt still dedupe it).
 */
export async function redriveDeadLetter(store: Store, clock: Clock, id: string): Promise<void> {
  if (await redriveOutbox(store.db, id, clock.now())) {
    signalOutbox();
    return;
  }
  const row = await getOutbox(store.db, id);
  if (!row) throw new OpsbookError('OPSBOOK_E_OUTBOX_UNKNOWN', `no outbox message ${id}`);
  throw new OpsbookError('OPSBOOK_E_OUTBOX_NOT_DEAD', `message ${id} is ${row.status}, not dead; only dead letters are re-driven`);
}
