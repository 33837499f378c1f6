import type { Kysely } from 'kysely';
import { findSilence, type Database } from '../store/index.js';
import { silenceFromRow } from './rows.js';
import type { Incident } from './types.js';

/**
 * Incidents as read, with the warning of the silence holding their pages when the hold was recorded
 * before holds carried it (an older opsbook, a silence it took then): read from the silence, so
 * every reader of the incident (API, chat) sees why so much was held. Holds recorded now carry it.
 */
export async function withHoldWarnings(db: Kysely<Database>, incidents: Incident[]): Promise<Incident[]> {
  const ids = new Set(incidents.flatMap((i) => (i.heldBy?.kind === 'silence' && i.heldBy.warning === undefined ? [i.heldBy.id] : [])));
  if (ids.size === 0) return incidents;
  const warnings = new Map<string, string>();
  for (const id of ids) {
    const row = await findSilence(db, id);
    const warning = row ? silenceFromRow(row).warning : undefined;
    if (warning) warnings.set(id, warning);
  }
  return incidents.map((i) => {
    const warning = i.heldBy?.kind === 'silence' ? warnings.get(i.heldBy.id) : undefined;
    return warning && i.heldBy && i.heldBy.warning === undefined ? { ...i, heldBy: { ...i.heldBy, warning } } : i;
  });
}
