import { createHash } from 'node:crypto';
import type { Daemon } from '../../../daemon/index.js';
import { duration, heldMark, severityBadge, stateBadge, when } from '../components.js';
import type { CheckConfig } from '../../../config/schema/checks.js';
import { summarizeChecks, worstState, type CheckSummary } from '../data/checks.js';
import { checkRowsOf, pendingAlerts, type PendingAlert } from '../data/check-list.js';
import { checkList } from './checks.js';
import { openIncidents, type OpenIncidents } from '../data/incidents.js';
import { configText, html, type Html } from '../html.js';
import { page } from '../layout.js';
import type { UiRoute } from '../route.js';
import { whoIsOnCallList } from './oncall.js';
import { teamView } from '../../teams.js';
import { inServiceView } from '../../../identity/index.js';
import { teamLinks } from '../team-links.js';

/** Check rows a service's card shows: each row's history bar is about 16 KB of HTML; /checks lists them all, a page at a time. */
export const OVERVIEW_SERVICE_ROWS = 20;

/** The checks a card shows, in their configured order: all when they fit, else those not up first. */
function shownOf(own: readonly CheckSummary[]): CheckSummary[] {
  if (own.length <= OVERVIEW_SERVICE_ROWS) return [...own];
  const notUp = own.filter((c) => c.state !== 'up');
  const chosen = new Set([...notUp, ...own.filter((c) => c.state === 'up')].slice(0, OVERVIEW_SERVICE_ROWS));
  return own.filter((c) => chosen.has(c));
}

/** Failing checks and rules not yet past their threshold or `for`, soonest first. */
export function pendingList(pending: readonly PendingAlert[], now: number): Html {
  if (pending.length === 0) return html`<p>Nothing pending.</p>`;
  return html`<ul class="pending">${pending.map(
    (p) => html`<li data-pending="${p.id}">${stateBadge(p.state)} ${p.href ? html`<a href="${p.href}">${p.name}</a>` : p.name} — fires in ${duration(Math.max(0, p.firesAt - now))} <span class="muted">(${p.needs})</span></li>`,
  )}</ul>`;
}

/**
 * What the open-incidents list shows, in a few characters: the page carries it, and the live
 * stream it opens sends a fresh list at once when the list changed between the page's rendering
 * and the stream's start (a change then would otherwise be missed until the next one).
 */
export function openIncidentsMark(open: OpenIncidents): string {
  const counts = Object.entries(open.bySeverity).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([s, n]) => `${s}=${n}`).join(',');
  return createHash('sha1').update(`${open.incidents.map((i) => `${i.id}=${i.state}${i.heldBy ? `/${i.heldBy.id}` : ''}`).join(',')};${open.leftOut};${counts}`).digest('hex').slice(0, 16);
}

/** The incident list of the open incidents (of one severity), in the page's team view. */
function openListHref(team: string | undefined, severity?: string): string {
  return `/incidents?${new URLSearchParams({ ...(team ? { team } : {}), state: 'open', ...(severity ? { severity } : {}) })}`;
}

/**
 * Open incidents grouped by severity, most severe first (the order of `severities:`). Each heading
 * counts every open incident of its severity in the view; the list under it holds those among the
 * newest OPEN_SHOWN, and says so when that is not all of them. `team` is the page's `?team=`.
 */
export function incidentsBySeverity(daemon: Daemon, open: OpenIncidents, team?: string): Html {
  const { incidents, leftOut, bySeverity } = open;
  const mark = openIncidentsMark(open);
  if (incidents.length === 0 && leftOut === 0) return html`<p data-live="incidents:open" data-live-mark="${mark}">No open incidents.</p>`;
  const order = daemon.config.severities.map((s) => s.id);
  const rank = (s: string) => (order.includes(s) ? order.indexOf(s) : order.length);
  const groups = [...new Set([...incidents.map((i) => i.severity), ...Object.keys(bySeverity).filter((s) => (bySeverity[s] ?? 0) > 0)])].sort((a, b) => rank(a) - rank(b));
  const more = leftOut > 0
    ? html`<p class="notice" id="incidents-open-more">${leftOut} older open ${leftOut === 1 ? 'incident' : 'incidents'} not shown here: <a href="${openListHref(team)}">all open incidents</a></p>`
    : '';
  return html`<div data-live="incidents:open" data-live-mark="${mark}">${groups.map((sev) => {
    const listed = incidents.filter((i) => i.severity === sev);
    // Counted apart from the list, a moment later: never fewer than it holds.
    const all = Math.max(bySeverity[sev] ?? 0, listed.length);
    const cut = listed.length < all
      ? html`<p class="muted" data-severity-cut="${sev}">${listed.length === 0 ? `None of the ${all} open ${sev} incidents is among the newest ${incidents.length} listed` : `The newest ${listed.length} of ${all} open ${sev} incidents shown`}: <a href="${openListHref(team, sev)}">all of them</a></p>`
      : '';
    return html`<h3>${severityBadge(sev)} <span class="count">${all} open</span></h3>
${listed.length ? html`<ul class="incidents">${listed.map((i) => html`<li><a href="/incidents/${encodeURIComponent(i.id)}">${i.title}</a> — <span class="istate istate-${i.state}">${i.state}</span> since ${when(i.openedAt)}${i.service ? html` · ${i.service}` : ''}${i.heldBy ? html` · ${heldMark(i.heldBy)}` : ''}</li>`)}</ul>` : ''}${cut}`;
  })}${more}</div>`;
}

/** A service's state, the worst of its checks'; replaced live when that changes. */
export function serviceBadge(serviceId: string, state: CheckSummary['state']): Html {
  return html`<span data-live="servicestate:${serviceId}">${stateBadge(state)}</span>`;
}

export function overviewRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/',
      access: 'viewer',
      summary: 'Overview: services and their checks (history bar, uptime, p95), pending alerts, open incidents, who is on call.',
      handler: async ({ daemon, session, actor, query }) => {
        // The caller's teams' services, checks and incidents (and what no team owns); ?team=all for every one.
        const view = teamView(daemon, actor!, query.team);
        const show = (service: string | null | undefined) => inServiceView(view, service);
        const visible = (daemon.config.checks as CheckConfig[]).filter((c) => show(c.service as string | undefined));
        // Every visible check's latest run (one read): states, badges and what is pending; the rows'
        // history bars and figures only for the checks shown.
        const latest = await summarizeChecks(daemon, visible, 1);
        const pending = await pendingAlerts(daemon, latest);
        // The view's open incidents, listed and counted in the store: what this person would see.
        const incidents = await openIncidents(daemon, view);
        const services = daemon.config.services.filter((s) => show(s.id));
        // Each service's checks, and those of no shown service, in one pass; the rows each card shows.
        const ownBy = new Map<string | undefined, CheckSummary[]>([...services.map((sv) => [sv.id, []] as [string, CheckSummary[]]), [undefined, []]]);
        for (const c of latest) (ownBy.get(c.service) ?? ownBy.get(undefined)!).push(c);
        const shownBy = new Map([...ownBy].map(([id, own]) => [id, shownOf(own)]));
        const shownIds = new Set([...shownBy.values()].flat().map((c) => c.id));
        const rowsById = new Map((await checkRowsOf(daemon, visible.filter((c) => shownIds.has(c.id)))).map((r) => [r.id, r]));
        const listOf = (caption: string, serviceId: string | undefined, showService: boolean): Html => {
          const own = ownBy.get(serviceId)!;
          const rows = shownBy.get(serviceId)!.map((c) => rowsById.get(c.id)!);
          const more = own.length - rows.length;
          const all = serviceId ? `/checks?service=${encodeURIComponent(serviceId)}` : '/checks';
          return html`${checkList(caption, rows, showService)}${more > 0 ? html`<p class="muted">${rows.length} of ${own.length} checks shown, those not up first; <a href="${all}">all ${own.length}</a>.</p>` : ''}`;
        };
        const unassigned = ownBy.get(undefined)!;
        return page(daemon, {
          title: 'Overview',
          session,
          nav: 'overview',
          live: true,
          body: html`${teamLinks(daemon, actor!, query.team, '/')}
<div class="grid">
<section class="card" aria-labelledby="h-incidents"><h2 id="h-incidents">Open incidents</h2>${incidentsBySeverity(daemon, incidents, query.team)}</section>
<section class="card" aria-labelledby="h-oncall"><h2 id="h-oncall">On call now</h2>${await whoIsOnCallList(daemon)}</section>
<section class="card" aria-labelledby="h-pending"><h2 id="h-pending">Pending alerts</h2>${pendingList(pending, daemon.clock.now())}</section>
</div>
<section aria-labelledby="h-services"><h2 id="h-services">Services</h2>
${services.map((s) => {
  const own = ownBy.get(s.id)!;
  return html`<section class="card service" aria-labelledby="svc-${s.id}">
<h3 id="svc-${s.id}">${s.name ?? s.id} ${serviceBadge(s.id, worstState(own.map((c) => c.state)))}</h3>
${s.description ? html`<p>${configText(s.description)}</p>` : ''}
${own.length ? listOf(`Checks of ${s.name ?? s.id}`, s.id, false) : html`<p class="muted">No checks.</p>`}
</section>`;
})}
${unassigned.length ? html`<section class="card service"><h3>Other checks</h3>${listOf('Checks without a service', undefined, true)}</section>` : ''}
${services.length === 0 && latest.length === 0 ? html`<p>No services or checks configured yet.</p>` : ''}
</section>`,
        });
      },
    },
  ];
}
