import type { CheckConfig } from '../../../config/schema/checks.js';
import type { RawResultRow } from '../../../store/index.js';
import { hasThresholds, type WindowStats } from '../../../checks/index.js';
import { duration, lineChart, percent, scrollingTable, stateBadge, when, type Series, type State } from '../components.js';
import { BAR_RESULTS } from '../data/check-list.js';
import { checkTimeline, type CheckTimeline } from '../data/check-timeline.js';
import { historyBar } from '../history-bar.js';
import { stateChart } from '../state-chart.js';
import { checkWindows, findCheck, latencySeries, summarizeCheck } from '../data/checks.js';
import { html, type Html } from '../html.js';
import { page } from '../layout.js';
import { notFoundPage } from './error.js';
import type { UiRoute } from '../route.js';

const QUANTILES = [
  { key: 'p50', className: 'q-p50' },
  { key: 'p95', className: 'q-p95' },
  { key: 'p99', className: 'q-p99' },
] as const;

function ms(v: number | undefined): string {
  return v === undefined ? '—' : `${Math.round(v)} ms`;
}

function latencyChart(title: string, rows: Array<{ at: number; latency: Record<string, number | undefined> }>): Html {
  const series: Series[] = QUANTILES.map((q) => ({ name: q.key, className: q.className, points: rows.map((r) => ({ at: r.at, value: r.latency[q.key] })) }));
  return html`<section class="card" aria-label="${title}">
${lineChart(series, title)}
<details><summary>Figures of “${title}”</summary>
${scrollingTable(`Figures of “${title}”`, html`<table><thead><tr><th scope="col">From</th>${QUANTILES.map((q) => html`<th scope="col">${q.key}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr><td>${when(r.at)}</td>${QUANTILES.map((q) => html`<td>${ms(r.latency[q.key])}</td>`)}</tr>`)}</tbody></table>`)}
</details>
</section>`;
}

const RECENT_RUNS = 30;

function resultState(r: RawResultRow): State {
  return r.unknown ? 'unknown' : r.down ? 'down' : r.level === 2 ? 'critical' : r.level === 1 ? 'warning' : 'up';
}

function conditionList(list: unknown): string {
  return Array.isArray(list) ? list.map(String).join(', ') : '';
}

/** What failed: the stored error (a down run without one stores the conditions that did not hold), else the level's conditions. */
function whyFailed(check: CheckConfig, r: RawResultRow): Html | string {
  if (r.error) return html`<code>${r.error}</code>`;
  if (r.level === 2 && conditionList(check.critical)) return html`critical: <code>${conditionList(check.critical)}</code>`;
  if (r.level === 1 && conditionList(check.warning)) return html`warning: <code>${conditionList(check.warning)}</code>`;
  return '';
}

function outagesTable(check: CheckConfig, t: CheckTimeline): Html {
  // A check judged by thresholds: its spells at the critical level are listed with its down ones.
  const thresholds = hasThresholds(check);
  const caption = thresholds ? 'Down or critical, last 24 hours' : 'Outages, last 24 hours';
  const none = thresholds ? 'No down or critical runs' : 'No outages';
  if (t.outages.length === 0 && t.incidents.length === 0) return html`<p>${none} or incidents in the last 24 hours.</p>`;
  const critical = conditionList(check.critical);
  const checkId = check.id;
  return html`${t.outages.length
    ? scrollingTable(caption, html`<table class="dense"><caption>${caption}</caption><thead><tr><th scope="col">From</th><th scope="col">To</th><th scope="col">Lasted</th><th scope="col">Failed runs</th><th scope="col">Error</th></tr></thead>
<tbody>${t.outages.map((o) => html`<tr data-outage="${o.from}"><td>${when(o.from)}</td><td>${o.to ? when(o.to) : 'ongoing'}</td><td>${duration((o.to ?? t.to) - o.from)}</td><td>${o.runs}</td><td>${o.error ?? (thresholds && critical ? html`critical: <code>${critical}</code>` : '')}</td></tr>`)}</tbody></table>`)
    : html`<p>${none} in the last 24 hours.</p>`}
${t.incidents.length
  ? scrollingTable('Incidents of this check’s alerts, last 24 hours', html`<table class="dense"><caption>Incidents of this check’s alerts, last 24 hours${t.incidentsLeftOut > 0 ? ', newest first' : ''}</caption><thead><tr><th scope="col">Incident</th><th scope="col">Severity</th><th scope="col">Opened</th><th scope="col">Resolved</th></tr></thead>
<tbody>${t.incidents.map((i) => html`<tr><th scope="row"><a href="/incidents/${encodeURIComponent(i.id)}">${i.title}</a></th><td>${i.severity}</td><td>${when(i.openedAt)}</td><td>${when(i.resolvedAt)}</td></tr>`)}</tbody></table>`)
  : ''}
${t.incidentsLeftOut > 0
  ? html`<p class="notice" id="check-incidents-more">${t.incidentsLeftOut} more ${t.incidentsLeftOut === 1 ? 'incident' : 'incidents'} in this window not shown; the newest ${t.incidents.length} are above. Every one of this check’s incidents: <a href="/incidents?check=${encodeURIComponent(checkId)}&amp;team=all">the incident list</a></p>`
  : ''}`;
}

/**
 * Uptime over each window; for a check judged by thresholds, the share of runs within them (its
 * warning, critical and down runs counted against it, each shown), so a check that went critical
 * never reads 100 % beside a red history bar.
 */
function uptimeSection(check: CheckConfig, windows: Awaited<ReturnType<typeof checkWindows>>): Html {
  const latency = (s: WindowStats) => html`<td>${ms(s.latency.p50)}</td><td>${ms(s.latency.p95)}</td><td>${ms(s.latency.p99)}</td>`;
  if (!hasThresholds(check)) {
    return html`<section class="card"><h2>Uptime</h2>
${scrollingTable('Uptime', html`<table class="uptime"><thead><tr><th scope="col">Window</th><th scope="col">Uptime</th><th scope="col">Runs</th><th scope="col">Failures</th><th scope="col">p50</th><th scope="col">p95</th><th scope="col">p99</th></tr></thead>
<tbody>${windows.map((w) => html`<tr><th scope="row">${w.label}</th><td>${percent(w.stats.uptime, 3)}</td><td>${w.stats.count}</td><td>${w.stats.failures}</td>${latency(w.stats)}</tr>`)}</tbody></table>`)}
</section>`;
  }
  // A down run is stored at the critical level: critical runs that were up are the criticals less the down ones.
  return html`<section class="card"><h2>Within thresholds</h2>
<p class="muted">The share of runs that were up and at neither the warning nor the critical level.</p>
${scrollingTable('Within thresholds', html`<table class="uptime"><thead><tr><th scope="col">Window</th><th scope="col">Within thresholds</th><th scope="col">Runs</th><th scope="col">Warning</th><th scope="col">Critical</th><th scope="col">Down</th><th scope="col">p50</th><th scope="col">p95</th><th scope="col">p99</th></tr></thead>
<tbody>${windows.map((w) => html`<tr><th scope="row">${w.label}</th><td>${percent(w.stats.withinThresholds, 3)}</td><td>${w.stats.count}</td><td>${w.stats.warnings}</td><td>${Math.max(0, w.stats.criticals - w.stats.failures)}</td><td>${w.stats.failures}</td>${latency(w.stats)}</tr>`)}</tbody></table>`)}
</section>`;
}

export function checkRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/checks/:id',
      access: 'viewer',
      summary: 'One check: state history with outages and incidents, uptime over 24 h / 7 d / 30 d, latency p50/p95/p99 from the rollups, the last runs with values and what failed.',
      handler: async ({ daemon, session, params, reply }) => {
        const check = findCheck(daemon, params.id ?? '');
        if (!check) {
          void reply.status(404);
          return notFoundPage(daemon, session, 'check', html`check <code>${params.id ?? ''}</code> is configured`);
        }
        const summary = await summarizeCheck(daemon, check, BAR_RESULTS);
        const timeline = await checkTimeline(daemon, check, 86_400_000);
        const windows = await checkWindows(daemon, check.id);
        const day = await latencySeries(daemon, check.id, 86_400_000, 3_600_000);
        const month = await latencySeries(daemon, check.id, 30 * 86_400_000, 86_400_000);
        // The heading counts the runs listed: a young check has fewer than RECENT_RUNS.
        const lastRuns = [...summary.recent].reverse().slice(0, RECENT_RUNS);
        return page(daemon, {
          title: summary.name,
          session,
          nav: 'checks',
          live: true,
          body: html`
<p>State: <span data-live="checkstate:${check.id}">${stateBadge(summary.state)}</span> · kind ${check.kind}${summary.service ? html` · service ${summary.service}` : ''} · every ${Math.round(Number(check.interval) / 1000)} s</p>
${summary.lastError ? html`<p class="notice error">Last error: ${summary.lastError}</p>` : ''}
${uptimeSection(check, windows)}
<section class="card" aria-labelledby="h-history"><h2 id="h-history">State history</h2>
<p>${historyBar(summary.recent, BAR_RESULTS, `History of ${summary.name}`)}</p>
${stateChart(timeline, 'State and latency, last 24 hours')}
${outagesTable(check, timeline)}
</section>
${latencyChart('Latency, last 24 hours (hourly)', day)}
${latencyChart('Latency, last 30 days (daily)', month)}
<section class="card" aria-labelledby="h-runs"><h2 id="h-runs">${lastRuns.length === 0 ? 'No runs yet' : `Last ${lastRuns.length} ${lastRuns.length === 1 ? 'run' : 'runs'}`}</h2>
<div class="table-scroll" tabindex="0" role="region" aria-label="Last runs"><table class="dense"><thead><tr><th scope="col">At</th><th scope="col">Result</th><th scope="col">Latency</th><th scope="col">Value</th><th scope="col">Error or failed condition</th></tr></thead>
<tbody>${lastRuns.map((r) => html`<tr data-state="${resultState(r)}"><td>${when(r.at)}</td><td>${stateBadge(resultState(r))}</td><td class="num">${Math.round(r.latencyMs)} ms</td><td class="num">${r.value ?? '—'}</td><td>${whyFailed(check, r)}</td></tr>`)}</tbody></table></div>
</section>`,
        });
      },
    },
  ];
}
