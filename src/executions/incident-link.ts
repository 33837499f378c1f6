import { newId } from '../lib/ids.js';
import { appendTimelineRow, findIncident, type Store } from '../store/index.js';

/** What executions need from incidents: an incident's service and labels, and a place on its timeline. */
export interface IncidentLink {
  find(id: string): Promise<{ id: string; service: string | null; labels: Record<string, string> } | undefined>;
  addToTimeline(id: string, entry: { at: number; actor: string; text: string; data: Record<string, unknown> }): Promise<void>;
}

/** The store's incident rows and timeline, as the incidents domain keeps them (kind `execution`). */
export function storeIncidentLink(store: Store): IncidentLink {
  return {
    async find(id) {
      const row = await findIncident(store.db, id);
      if (!row) return undefined;
      let labels: Record<string, string> = {};
      try {
        labels = JSON.parse(row.labels) as Record<string, string>;
      } catch {
        // Labels are written by the incidents domain as JSON; a bad row just gives none.
      }
      return { id: row.id, service: row.service, labels };
    },
    async addToTimeline(id, entry) {
      await appendTimelineRow(store.db, {
        id: newId('tl', entry.at),
        incident_id: id,
        at: entry.at,
        kind: 'execution',
        actor: entry.actor,
        text: entry.text,
        data: JSON.stringify(entry.data),
      });
    },
  };
}
