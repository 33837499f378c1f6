import type { Daemon } from '../../../daemon/index.js';
import { IncidentService, OPEN_STATES, type Incident } from '../../../incidents/index.js';

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

export async function openIncidents(daemon: Daemon): Promise<Incident[]> {
  return incidentReader(daemon).list({ state: OPEN_STATES, limit: 200 });
}
