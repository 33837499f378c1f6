import type { Daemon } from '../../../daemon/index.js';
import { percent, stateBadge, when, type State } from '../components.js';
import type { CheckConfig } from '../../../config/schema/checks.js';
import { BAR_RESULTS, checkRowsOf, type CheckFilter, type CheckRowData } from '../data/check-list.js';
import { summarizeChecks, uptimeWindow, WINDOWS } from '../data/checks.js';
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

/**
 * One check's row; the live feed sends a fresh copy (with 24-hour figures) whenever the check's
 * latest run changes, so rows over another window are not `live`.
 */
export function checkListRow(c: CheckRowData, showService = true, live = true): Html {
  return html`<tr${live ? html` data-live="check:${c.id}"` : ''} data-state="${c.state}">
<th scope="row"><a href="/checks/${encodeURIComponent(c.id)}">${c.name}</a> <span class="muted">${c.kind}${showService && c.service ? ` · ${c.service}` : ''}</span></th>
<td>${stateBadge(c.state)}</td>
<td class="history-cell">${historyBar(c.recent, BAR_RESULTS, `History of ${c.name}`)}</td>
<td class="num">${c.thresholds ? html`${percent(c.withinThresholds)} <span class="muted">within thresholds</span>` : percent(c.uptime)}</td>
<td class="num">${ms(c.p95)}</td>
<td>${when(c.lastAt)}${c.lastError ? html`<br><span class="error-text">${c.lastError}</span>` : ''}</td>
</tr>`;
}

/** The dense list: one line per check with its history bar, uptime and p95 over `window` (24 hours by default). */
export function checkList(caption: string, rows: readonly CheckRowData[], showService = true, window: (typeof WINDOWS)[number] = WINDOWS[0]): Html {
  const span = window.key.replace(/(\d+)/, '$1 ');
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="${caption}"><table class="checks dense">
<caption>${caption}</caption>
<thead><tr><th scope="col">Check</th><th scope="col">State</th><th scope="col">Last ${BAR_RESULTS} results</th><th scope="col">Uptime ${span}</th><th scope="col">p95 ${span}</th><th scope="col">Last run</th></tr></thead>
<tbody>${rows.map((r) => checkListRow(r, showService, window === WINDOWS[0]))}</tbody>
</table></div>`;
}

function select(name: string, label: string, options: readonly string[], chosen: string | undefined): Html {
  return html`<label>${label} <select name="${name}"><option value="">all</option>${options.map((o) => html`<option${o === chosen ? html` selected` : ''}>${o}</option>`)}</select></label>`;
}

function filterForm(daemon: Daemon, filter: CheckFilter, team: string | undefined, window: (typeof WINDOWS)[number]): Html {
  const kinds = [...new Set(daemon.config.checks.map((c) => c.kind))].sort();
  return html`<form class="filters" method="get" action="/checks" aria-label="Filter checks">
${select('service', 'Service', daemon.config.services.map((s) => s.id), filter.service)}
${select('state', 'State', STATES, filter.state)}
${select('kind', 'Kind', kinds, filter.kind)}
<label>Uptime over <select name="window">${WINDOWS.map((w) => html`<option value="${w.key}"${w === window ? html` selected` : ''}>${w.label}</option>`)}</select></label>
${team ? html`<input type="hidden" name="team" value="${team}">` : ''}<button type="submit">Filter</button> <a href="/checks">Clear</a>
</form>`;
}

/** Checks on one page of /checks: each row carries a history bar of BAR_RESULTS results (about 16 KB of HTML). */
export const CHECKS_PAGE_ROWS = 100;

/** The page asked for (`?page=`, from 1), or 1 for anything else. */
function pageNumber(raw: string | undefined): number {
  const n = raw !== undefined && /^\d{1,9}$/.test(raw) ? Number(raw) : 1;
  return Math.max(1, n);
}

function pageLinks(query: Record<string, string>, at: number, pages: number): Html {
  if (pages <= 1) return html``;
  const href = (n: number) => `/checks?${new URLSearchParams({ ...query, page: String(n) }).toString()}`;
  return html`<nav class="pages" aria-label="Pages of checks">${at > 1 ? html`<a href="${href(at - 1)}" rel="prev">Previous page</a>` : ''} <span>page ${at} of ${pages}</span> ${at < pages ? html`<a href="${href(at + 1)}" rel="next">Next page</a>` : ''}</nav>`;
}

export function checksRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/checks',
      access: 'viewer',
      summary: `Every check on one line, ${CHECKS_PAGE_ROWS} a page (?page=): state, history bar of the last 90 results, uptime and p95 over 24 h, 7 d, 30 d or 90 d (?window=); filters by service, state and kind.`,
      handler: async ({ daemon, session, query, actor }) => {
        const filter: CheckFilter = {};
        for (const k of ['service', 'state', 'kind'] as const) if (query[k]) filter[k] = query[k];
        const show = teamFilter(daemon, actor!, query.team);
        const window = uptimeWindow(query.window);
        let chosen = (daemon.config.checks as CheckConfig[]).filter(
          (c) => show(c.service as string | undefined) && (!filter.service || c.service === filter.service) && (!filter.kind || c.kind === filter.kind),
        );
        // The state filter needs every candidate's latest run (one read); the rest only the page's checks'.
        if (filter.state) {
          const latest = await summarizeChecks(daemon, chosen, 1);
          chosen = chosen.filter((_, i) => latest[i]!.state === filter.state);
        }
        const pages = Math.max(1, Math.ceil(chosen.length / CHECKS_PAGE_ROWS));
        const at = Math.min(pageNumber(query.page), pages);
        const first = (at - 1) * CHECKS_PAGE_ROWS;
        const rows = await checkRowsOf(daemon, chosen.slice(first, first + CHECKS_PAGE_ROWS), window.ms);
        const total = daemon.config.checks.length;
        const shown = chosen.length <= CHECKS_PAGE_ROWS ? `${chosen.length} of ${total} checks shown` : `${first + 1}–${first + rows.length} of the ${chosen.length} checks that match (${total} in all)`;
        const { page: _page, ...kept } = query;
        return page(daemon, {
          title: 'Checks',
          session,
          nav: 'checks',
          live: true,
          body: html`${teamLinks(daemon, actor!, query.team, '/checks', { ...filter, ...(query.window ? { window: window.key } : {}) })}
${filterForm(daemon, filter, query.team, window)}
<p class="muted">${shown}. Each bar is one result, newest on the right; hover or focus it for time, value and error.</p>
${rows.length ? checkList('Checks', rows, true, window) : html`<p>No check matches these filters.</p>`}
${pageLinks(kept, at, pages)}`,
        });
      },
    },
  ];
}
