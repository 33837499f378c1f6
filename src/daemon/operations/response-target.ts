import type { Transaction } from 'kysely';
import { configuredLadder, recordedResponseMisses, responseMissedLine } from '../../incidents/index.js';
import { newId } from '../../lib/ids.js';
import { appendTimelineLineOfKnownIncident, findIncident, type Database } from '../../store/index.js';
import type { OperationsHost } from './host.js';

/**
 * Writes the timeline line of a response target that passed at `dueAt` with its incident still
 * triggered, dated at `dueAt` (also when opsbook notices late, after a restart). Called by the
 * escalation driver (`onResponseMissed`) in the transaction that records the miss in the
 * escalation's state: under the incident writers' lock and the fencing of that transaction (its
 * step's, its start's or its revision's), so in a cluster only the holder of the incident's
 * partition writes it, and the record and the line commit together.
 *
 * Decided from the store, not from memory: nothing when the incident was acknowledged or resolved at
 * or before `dueAt` (an answer the escalation's stop had not reached yet), nor when a line for this
 * due time is on its timeline already (an escalation started again for the same opening).
 */
export async function recordResponseMissed(
  host: Pick<OperationsHost, 'config' | 'clock'>,
  trx: Transaction<Database>,
  miss: { incidentId: string; at: number },
): Promise<boolean> {
  const dueAt = miss.at;
  const row = await findIncident(trx, miss.incidentId);
  if (!row) return false;
  const answeredBy = (at: number | null) => at !== null && Number(at) <= dueAt;
  if (answeredBy(row.acknowledged_at) || answeredBy(row.resolved_at)) return false;
  if ((await recordedResponseMisses(trx, row.id)).some((m) => m.responseDueAt === dueAt)) return false;
  const ladder = configuredLadder(host.config.severities);
  const line = responseMissedLine(row.severity, ladder.has(row.severity) ? ladder.get(row.severity) : undefined, dueAt);
  await appendTimelineLineOfKnownIncident(trx, { id: newId('tl', host.clock.now()), incident_id: row.id, at: dueAt, kind: 'escalation', actor: 'system:escalation', text: line.text, data: JSON.stringify(line.data) });
  return true;
}
