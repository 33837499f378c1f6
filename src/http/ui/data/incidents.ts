import type { Daemon } from '../../../daemon/index.js';
import { IncidentService, OPEN_STATES, type Incident } from '../../../incidents/index.js';
import { countIncidentsBySeverity } from '../../../store/index.js';

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

/** A team view of the lists (see `teamView`); undefined: every team's. */
export type ServiceView = { visible: string[]; owned: string[] } | undefined;

/** The newest open incidents a page lists, and how many open ones there are in all. */
export interface OpenIncidents {
  /** The newest OPEN_SHOWN open incidents of the view, newest first. */
  incidents: Incident[];
  /** How many older open incidents of the view the list leaves out. */
  leftOut: number;
  /** Every open incident of the view, counted per severity (not only the ones listed). */
  bySeverity: Record<string, number>;
}

/** The open incidents a person with this team view sees: a bounded list, and counts of all of them. */
export async function openIncidents(daemon: Daemon, view?: ServiceView): Promise<OpenIncidents> {
  const incidents = await incidentReader(daemon).list({ state: OPEN_STATES, limit: OPEN_SHOWN, ...(view ? { services: view } : {}) });
  // One grouped count: each heading's total, and the whole, without reading past the list.
  const bySeverity = incidents.length < OPEN_SHOWN ? tally(incidents) : await countIncidentsBySeverity(daemon.store.db, OPEN_STATES, view);
  const total = Object.values(bySeverity).reduce((a, n) => a + n, 0);
  return { incidents, leftOut: Math.max(0, total - incidents.length), bySeverity };
}

function tally(incidents: readonly Incident[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of incidents) out[i.severity] = (out[i.severity] ?? 0) + 1;
  return out;
}
