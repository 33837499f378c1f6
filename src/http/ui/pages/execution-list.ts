import { listExecutions, type ExecutionSummary } from '../../../executions/index.js';
import { when } from '../components.js';
import { html, type Html } from '../html.js';
import { page } from '../layout.js';
import type { UiRoute } from '../route.js';
import { teamFilter } from '../../teams.js';
import { teamLinks } from '../team-links.js';

const STATES = ['running', 'passed', 'failed', 'incomplete', 'cancelled'];

/** Where an execution is read: on its incident's page, else its record in the API. */
function executionHref(e: ExecutionSummary): string {
  return e.incidentId ? `/incidents/${encodeURIComponent(e.incidentId)}#exec-${encodeURIComponent(e.id)}` : `/api/executions/${encodeURIComponent(e.id)}`;
}

function executionRow(e: ExecutionSummary): Html {
  return html`<tr data-state="${e.state}">
<th scope="row"><a href="${executionHref(e)}">${e.title}</a> <span class="muted">${e.procedure}</span></th>
<td><span class="istate istate-${e.state}">${e.state}</span></td>
<td>${e.incidentId ? html`<a href="/incidents/${encodeURIComponent(e.incidentId)}">${e.incidentId}</a>` : html`<span class="muted">none</span>`}</td>
<td>${e.startedBy}${e.trigger === 'cron' ? html` <span class="muted">(schedule)</span>` : ''}</td>
<td>${when(e.startedAt)}</td>
<td>${when(e.finishedAt)}</td>
</tr>`;
}

export function executionListRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/executions',
      access: 'viewer',
      summary: 'Runbook executions, newest first: state, incident, who started it and when; filter by state.',
      handler: async ({ daemon, session, query, actor }) => {
        const state = STATES.includes(query.state ?? '') ? query.state : undefined;
        const show = teamFilter(daemon, actor!, query.team);
        const rows = (await listExecutions(daemon.store, { limit: 200, ...(state ? { state } : {}) })).filter((e) => show(e.service));
        return page(daemon, {
          title: 'Executions',
          session,
          nav: 'executions',
          body: html`${teamLinks(daemon, actor!, query.team, '/executions', state ? { state } : {})}
<form class="filters" method="get" action="/executions" aria-label="Filter executions">${query.team ? html`<input type="hidden" name="team" value="${query.team}">` : ''}
<label>State <select name="state"><option value="">all</option>${STATES.map((s) => html`<option${s === state ? html` selected` : ''}>${s}</option>`)}</select></label>
<button type="submit">Filter</button>
</form>
${rows.length
  ? html`<div class="table-scroll" tabindex="0" role="region" aria-label="Executions"><table class="dense">
<caption>Runbook executions, newest first</caption>
<thead><tr><th scope="col">Procedure</th><th scope="col">State</th><th scope="col">Incident</th><th scope="col">Started by</th><th scope="col">Started</th><th scope="col">Finished</th></tr></thead>
<tbody>${rows.map(executionRow)}</tbody></table></div>`
  : html`<p>No runbook executions${state ? html` in state ${state}` : ''} yet.</p>`}`,
        });
      },
    },
  ];
}
