import { countExecutions, listExecutions, type ExecutionSummary } from '../../../executions/index.js';
import { when } from '../components.js';
import { html, type Html } from '../html.js';
import { page } from '../layout.js';
import type { UiRoute } from '../route.js';
import { teamView } from '../../teams.js';
import { teamLinks } from '../team-links.js';
import { executionPath } from '../transcript.js';

const STATES = ['running', 'passed', 'failed', 'incomplete', 'cancelled'];

function executionRow(e: ExecutionSummary): Html {
  return html`<tr data-state="${e.state}">
<th scope="row"><a href="${executionPath(e.id)}">${e.title}</a> <span class="muted">${e.procedure}</span></th>
<td><span class="istate istate-${e.state}">${e.state}</span></td>
<td>${e.incidentId ? html`<a href="/incidents/${encodeURIComponent(e.incidentId)}">${e.incidentId}</a>` : html`<span class="muted">none</span>`}</td>
<td>${e.startedBy}${e.trigger === 'cron' ? html` <span class="muted">(schedule)</span>` : ''}</td>
<td>${when(e.startedAt)}</td>
<td>${when(e.finishedAt)}</td>
</tr>`;
}

/** How many executions one page of the list shows. */
const PAGE = 200;

export function executionListRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/executions',
      access: 'viewer',
      summary: 'Runbook executions, newest first, a page at a time: state, incident, who started it and when; filter by state or incident.',
      handler: async ({ daemon, session, query, actor }) => {
        const state = STATES.includes(query.state ?? '') ? query.state : undefined;
        const incident = query.incident || undefined;
        const before = query.before || undefined;
        const view = teamView(daemon, actor!, query.team);
        // The team view is part of the query: a full page of the view's executions, and a count of the view's.
        const filter = { ...(state ? { state } : {}), ...(incident ? { incidentId: incident } : {}), ...(view ? { services: view } : {}) };
        const rows = await listExecutions(daemon.store, { ...filter, ...(before ? { before } : {}), limit: PAGE });
        // A full page may have older ones: say how many and link to them.
        const next = rows.length === PAGE ? rows.at(-1)!.id : undefined;
        const older = next ? await countExecutions(daemon.store, { ...filter, before: next }) : 0;
        const keep = { ...(query.team ? { team: query.team } : {}), ...(state ? { state } : {}), ...(incident ? { incident } : {}) };
        const olderHref = next ? `/executions?${new URLSearchParams({ ...keep, before: next })}` : '';
        const what = `${state ? ` in state ${state}` : ''}${incident ? ` of incident ${incident}` : ''}`;
        return page(daemon, {
          title: 'Executions',
          session,
          nav: 'executions',
          body: html`${teamLinks(daemon, actor!, query.team, '/executions', { ...(state ? { state } : {}), ...(incident ? { incident } : {}) })}
<form class="filters" method="get" action="/executions" aria-label="Filter executions">${query.team ? html`<input type="hidden" name="team" value="${query.team}">` : ''}${incident ? html`<input type="hidden" name="incident" value="${incident}">` : ''}
<label>State <select name="state"><option value="">all</option>${STATES.map((s) => html`<option${s === state ? html` selected` : ''}>${s}</option>`)}</select></label>
<button type="submit">Filter</button>
</form>
${rows.length
  ? html`<div class="table-scroll" tabindex="0" role="region" aria-label="Executions"><table class="dense">
<caption>Runbook executions${what}, newest first${before ? ', older than the previous page' : ''}</caption>
<thead><tr><th scope="col">Procedure</th><th scope="col">State</th><th scope="col">Incident</th><th scope="col">Started by</th><th scope="col">Started</th><th scope="col">Finished</th></tr></thead>
<tbody>${rows.map(executionRow)}</tbody></table></div>`
  : html`<p>No runbook executions${what}${before ? ' older than the previous page' : ' yet'}.</p>`}
${older > 0 ? html`<p class="notice" id="executions-older">${older} older ${older === 1 ? 'execution' : 'executions'}${what} not shown here: <a href="${olderHref}">next page</a></p>` : ''}`,
        });
      },
    },
  ];
}
