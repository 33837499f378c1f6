import type { Daemon } from '../../../daemon/index.js';
import { IncidentService, OPEN_STATES, type Incident } from '../../../incidents/index.js';
import { countIncidents } from '../../../store/index.js';

// Reads need no pipeline: a reader over the same store sees what the running engine wrote.
const readers = new WeakMap<Daemon, IncidentService>();

/** An incident service for reading (list, get, timeline, alerts). Actions go through the daemon's pipeline. */
export function incidentReader(daemon: Daemon): IncidentService {
  let r = readers.get(daemon);
  if (!r) {
    const c = daemon.config;
    r = new IncidentService(daemon.store, daemon.clock, { severities: c.severities, businessHours: c.business_hours, maintenance: c.maintenance, silences: c.silences });
    readers.set(daemon, r);
  }
  return r;
}

/** How many open incidents the overview lists. */
export const OPEN_SHOWN = 200;

/** The newest open incidents a page lists, and how many older open ones it leaves out. */
export interface OpenIncidents {
  incidents: Incident[];
  leftOut: number;
}

export async function openIncidents(daemon: Daemon): Promise<OpenIncidents> {
  const incidents = await incidentReader(daemon).list({ state: OPEN_STATES, limit: OPEN_SHOWN });
  const leftOut = incidents.length < OPEN_SHOWN ? 0 : (await countIncidents(daemon.store.db, { state: OPEN_STATES })) - incidents.length;
  return { incidents, leftOut: Math.max(0, leftOut) };
}
