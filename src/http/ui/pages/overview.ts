import type { Daemon } from '../../../daemon/index.js';
import type { Incident } from '../../../incidents/index.js';
import { severityBadge, sparkline, stateBadge, when } from '../components.js';
import { summarizeChecks, worstState, type CheckSummary } from '../data/checks.js';
import { openIncidents } from '../data/incidents.js';
import { html, type Html } from '../html.js';
import { page } from '../layout.js';
import type { UiRoute } from '../route.js';
import { whoIsOnCallList } from './oncall.js';

/** One check's row; the live feed sends a fresh copy whenever the check's latest run changes. */
export function checkRow(c: CheckSummary): Html {
  return html`<tr data-live="check:${c.id}" data-state="${c.state}">
<th scope="row"><a href="/checks/${encodeURIComponent(c.id)}">${c.name}</a> <span class="muted">${c.kind}</span></th>
<td>${stateBadge(c.state)}</td>
<td>${sparkline(c.recent, `Latency of ${c.name}`)}</td>
<td>${when(c.lastAt)}${c.lastError ? html`<br><span class="error-text">${c.lastError}</span>` : ''}</td>
</tr>`;
}

function checksTable(caption: string, checks: CheckSummary[]): Html {
  return html`<table class="checks">
<caption>${caption}</caption>
<thead><tr><th scope="col">Check</th><th scope="col">State</th><th scope="col">Latency</th><th scope="col">Last run</th></tr></thead>
<tbody>${checks.map(checkRow)}</tbody>
</table>`;
}

/** Open incidents grouped by severity, most severe first (the order of `severities:`). */
export function incidentsBySeverity(daemon: Daemon, incidents: Incident[]): Html {
  if (incidents.length === 0) return html`<p data-live="incidents:open">No open incidents.</p>`;
  const order = daemon.config.severities.map((s) => s.id);
  const rank = (s: string) => (order.includes(s) ? order.indexOf(s) : order.length);
  const groups = [...new Set(incidents.map((i) => i.severity))].sort((a, b) => rank(a) - rank(b));
  return html`<div data-live="incidents:open">${groups.map(
    (sev) => html`<h3>${severityBadge(sev)} <span class="count">${incidents.filter((i) => i.severity === sev).length} open</span></h3>
<ul class="incidents">${incidents
      .filter((i) => i.severity === sev)
      .map((i) => html`<li><a href="/incidents/${encodeURIComponent(i.id)}">${i.title}</a> — <span class="istate istate-${i.state}">${i.state}</span> since ${when(i.openedAt)}${i.service ? html` · ${i.service}` : ''}</li>`)}</ul>`,
  )}</div>`;
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
      summary: 'Overview: services and checks with state and latency, open incidents, who is on call.',
      handler: async ({ daemon, session }) => {
        const checks = await summarizeChecks(daemon);
        const incidents = await openIncidents(daemon);
        const services = daemon.config.services;
        const unassigned = checks.filter((c) => !c.service || !services.some((s) => s.id === c.service));
        return page(daemon, {
          title: 'Overview',
          session,
          nav: 'overview',
          live: true,
          body: html`
<div class="grid">
<section class="card" aria-labelledby="h-incidents"><h2 id="h-incidents">Open incidents</h2>${incidentsBySeverity(daemon, incidents)}</section>
<section class="card" aria-labelledby="h-oncall"><h2 id="h-oncall">On call now</h2>${whoIsOnCallList(daemon)}</section>
</div>
<section aria-labelledby="h-services"><h2 id="h-services">Services</h2>
${services.map((s) => {
  const own = checks.filter((c) => c.service === s.id);
  return html`<section class="card service" aria-labelledby="svc-${s.id}">
<h3 id="svc-${s.id}">${s.name ?? s.id} ${serviceBadge(s.id, worstState(own.map((c) => c.state)))}</h3>
${s.description ? html`<p>${s.description}</p>` : ''}
${own.length ? checksTable(`Checks of ${s.name ?? s.id}`, own) : html`<p class="muted">No checks.</p>`}
</section>`;
})}
${unassigned.length ? html`<section class="card service"><h3>Other checks</h3>${checksTable('Checks without a service', unassigned)}</section>` : ''}
${services.length === 0 && checks.length === 0 ? html`<p>No services or checks configured yet.</p>` : ''}
</section>`,
        });
      },
    },
  ];
}
