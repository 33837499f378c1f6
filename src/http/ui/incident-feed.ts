import { findExecution, type StoreChange } from '../../store/index.js';
import { incidentReader } from './data/incidents.js';
import { uiEvents } from './events.js';
import { executionPanel } from './pages/executions.js';
import { actionBar, incidentHeader, incidentHeading, timelinePanel } from './pages/incident-view.js';
import { titleForm } from './pages/incident-title.js';
import { documentTitle } from './layout.js';
import { SettledFeed } from './settled-feed.js';

/**
 * Turns the store's change feed into fresh parts of incident pages: whichever process changed an
 * incident or one of its executions (the daemon, a CLI in local mode, another opsbook), every open
 * page of it gets its heading, header, action bar, title form, timeline and executions again.
 */
export class IncidentFeed extends SettledFeed {
  protected readonly what = 'incident';

  start(): void {
    this.listen();
  }

  protected async pageOf(change: StoreChange): Promise<string | undefined> {
    if (change.topic === 'incident') return change.id;
    if (change.topic === 'execution') return (await findExecution(this.daemon.store.db, change.id).catch(() => undefined))?.incident_id ?? undefined;
    return undefined;
  }

  protected async publishPage(id: string): Promise<void> {
    const bus = uiEvents(this.daemon);
    const incident = await incidentReader(this.daemon).get(id);
    // The heading and the tab's title follow a retitle; the title form's field too, unless someone is typing in it.
    bus.publish({ type: 'incidenttitle', id, html: incidentHeading(incident).value, data: { documentTitle: documentTitle(incident.title) } });
    bus.publish({ type: 'incidenttitleform', id, html: titleForm(incident, undefined).value });
    bus.publish({ type: 'incident', id, html: (await incidentHeader(this.daemon, incident)).value, data: { state: incident.state } });
    bus.publish({ type: 'incidentactions', id, html: actionBar(this.daemon, incident, undefined).value });
    bus.publish({ type: 'incidenttimeline', id, html: (await timelinePanel(this.daemon, id)).value });
    bus.publish({
      type: 'incidentexec',
      id,
      html: (await executionPanel(this.daemon, id, { session: undefined })).value,
      readOnlyHtml: (await executionPanel(this.daemon, id, undefined)).value,
    });
  }
}
