import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Store } from '../store/index.js';
import { cancelIncidentOutbox, type OutboxRow } from '../store/repos/outbox.js';

/** The events that page someone; status updates (acknowledged, resolved, reopened, severity raised) are not among them. */
export const PAGE_EVENTS = ['incident.triggered', 'incident.escalated'] as const;

/**
 * Calls off an incident's pages that have not got through, once someone has answered it: a channel
 * that recovers must not wake on-call with a stale "triggered". Each shows as `cancelled` in the
 * delivery log; an attempt in flight settles as `superseded` and is not retried.
 */
export function cancelPages(store: Store, clock: Clock, incidentId: string, reason: string): Promise<OutboxRow[]> {
  const at = clock.now();
  return cancelIncidentOutbox(store.db, { incidentId, events: PAGE_EVENTS, at, reason, newDeliveryId: () => newId('dlv', at) });
}
