import type { Daemon } from '../../../daemon/index.js';
import { percent, stateBadge, when, type State } from '../components.js';
import { BAR_RESULTS, checkRows, type CheckFilter, type CheckRowData } from '../data/check-list.js';
import { historyBar } from '../history-bar.js';
import { html, type Html } from '../html.js';
import { page } from '../layout.js';
import type { UiRoute } from '../route.js';
import { teamFilter } from '../../teams.js';
import { teamLinks } from '../team-links.js';

const STATES: State[] = ['up', 'warning', 'critical', 'down', 'unknown'];

function ms(v: number | undefined): string {
  return v === undefined ? '—' : `${Math.round(v)} ms`;
}

/** One check's row; the live feed sends a fresh copy whenever the check's latest run changes. */
export function checkListRow(c: CheckRowData, showService = true): Html {
  return html`<tr data-live="check:${c.id}" data-state="${c.state}">
<th scope="row"><a href="/checks/${encodeURIComponent(c.id)}">${c.name}</a> <span class="muted">${c.kind}${showService && c.service ? ` · ${c.service}` : ''}</span></th>
<td>${stateBadge(c.state)}</td>
<td class="history-cell">${historyBar(c.recent, BAR_RESULTS, `History of ${c.name}`)}</td>
<td class="num">${percent(c.uptime)}</td>
<td class="num">${ms(c.p95)}</td>
<td>${when(c.lastAt)}${c.lastError ? html`<br><span class="error-text">${c.lastError}</span>` : ''}</td>
</tr>`;
}

/** The dense list: one line per check with its history bar, 24-hour uptime and p95. */
export function checkList(caption: string, rows: readonly CheckRowData[], showService = true): Html {
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="${caption}"><table class="checks dense">
<caption>${caption}</caption>
<thead><tr><th scope="col">Check</th><th scope="col">State</th><th scope="col">Last ${BAR_RESULTS} results</th><th scope="col">Uptime 24 h</th><th scope="col">p95 24 h</th><th scope="col">Last run</th></tr></thead>
<tbody>${rows.map((r) => checkListRow(r, showService))}</tbody>
</table></div>`;
}

function select(name: string, label: string, options: readonly string[], chosen: string | undefined): Html {
  return html`<label>${label} <select name="${name}"><option value="">all</option>${options.map((o) => html`<option${o === chosen ? html` selected` : ''}>${o}</option>`)}</select></label>`;
}

function filterForm(daemon: Daemon, filter: CheckFilter, team: string | undefined): Html {
  const kinds = [...new Set(daemon.config.checks.map((c) => c.kind))].sort();
  return html`<form class="filters" method="get" action="/checks" aria-label="Filter checks">
${select('service', 'Service', daemon.config.services.map((s) => s.id), filter.service)}
${select('state', 'State', STATES, filter.state)}
${select('kind', 'Kind', kinds, filter.kind)}
${team ? html`<input type="hidden" name="team" value="${team}">` : ''}<button type="submit">Filter</button> <a href="/checks">Clear</a>
</form>`;
}

export function checksRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/checks',
      access: 'viewer',
      summary: 'Every check on one line: state, history bar of the last 90 results, 24-hour uptime and p95; filters by service, state and kind.',
      handler: async ({ daemon, session, query, actor }) => {
        const filter: CheckFilter = {};
        for (const k of ['service', 'state', 'kind'] as const) if (query[k]) filter[k] = query[k];
        const show = teamFilter(daemon, actor!, query.team);
        const rows = (await checkRows(daemon, filter)).filter((r) => show(r.service));
        const total = daemon.config.checks.length;
        return page(daemon, {
          title: 'Checks',
          session,
          nav: 'checks',
          live: true,
          body: html`${teamLinks(daemon, actor!, query.team, '/checks', { ...filter })}
${filterForm(daemon, filter, query.team)}
<p class="muted">${rows.length} of ${total} checks shown. Each bar is one result, newest on the right; hover or focus it for time, value and error.</p>
${rows.length ? checkList('Checks', rows) : html`<p>No check matches these filters.</p>`}`,
        });
      },
    },
  ];
}
