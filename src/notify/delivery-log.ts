import type { Kysely } from 'kysely';
import { listDeliveries, requireIncident, type Database, type DeliveryRow } from '../store/index.js';

/**
 * The delivery log of an incident: every attempt on every channel, oldest first. An empty log is
 * refused when the incident does not exist — a mistyped id otherwise answered an empty log, read as
 * "nobody was paged". `path`: where the caller took the id from (`params.id`, `<incident>`).
 */
export async function incidentDeliveries(db: Kysely<Database>, incidentId: string, path: string): Promise<DeliveryRow[]> {
  const rows = await listDeliveries(db, { incidentId });
  if (rows.length === 0) await requireIncident(db, incidentId, path);
  return rows;
}
