import type { Daemon } from '../../daemon/index.js';
import { findExecution, type StoreChange } from '../../store/index.js';
import { incidentReader } from './data/incidents.js';
import { uiEvents } from './events.js';
import { executionPanel } from './pages/executions.js';
import { actionBar, incidentHeader, timelinePanel } from './pages/incident-view.js';

// A burst of changes (an action writes the incident, its timeline and an audit entry) renders once.
const SETTLE_MS = 50;

/**
 * Turns the store's change feed into fresh parts of incident pages: whichever process changed an
 * incident or one of its executions (the daemon, a CLI in local mode, another opsbook), every open
 * page of it gets its header, action bar, timeline and executions again.
 */
export class IncidentFeed {
  private unsubscribe: (() => void) | undefined;
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private rendering: Promise<void> = Promise.resolve();

  constructor(private readonly daemon: Daemon) {}

  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.daemon.store.changes.subscribe((c) => void this.onChange(c));
  }

  /** Resolves once the feed reads from where the store stands (a change committed later reaches the page). */
  ready(): Promise<void> {
    return this.daemon.store.changes.ready();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private async onChange(change: StoreChange): Promise<void> {
    let incidentId: string | undefined;
    if (change.topic === 'incident') incidentId = change.id;
    else if (change.topic === 'execution') incidentId = (await findExecution(this.daemon.store.db, change.id).catch(() => undefined))?.incident_id ?? undefined;
    if (!incidentId || !this.unsubscribe) return;
    this.pending.add(incidentId);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const ids = [...this.pending];
      this.pending.clear();
      this.rendering = this.rendering.then(() => this.publish(ids));
    }, SETTLE_MS);
  }

  private async publish(ids: string[]): Promise<void> {
    const bus = uiEvents(this.daemon);
    for (const id of ids) {
      if (this.daemon.isStopping) return;
      try {
        const incident = await incidentReader(this.daemon).get(id);
        bus.publish({ type: 'incident', id, html: (await incidentHeader(this.daemon, incident)).value, data: { state: incident.state } });
        bus.publish({ type: 'incidentactions', id, html: actionBar(this.daemon, incident, undefined).value });
        bus.publish({ type: 'incidenttimeline', id, html: (await timelinePanel(this.daemon, id)).value });
        bus.publish({
          type: 'incidentexec',
          id,
          html: (await executionPanel(this.daemon, id, { session: undefined })).value,
          readOnlyHtml: (await executionPanel(this.daemon, id, undefined)).value,
        });
      } catch (e) {
        this.daemon.logger.warn({ err: e, incident: id }, 'live incident update failed');
      }
    }
  }
}
