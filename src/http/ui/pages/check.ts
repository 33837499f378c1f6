import { lineChart, percent, sparkline, stateBadge, when, type Series } from '../components.js';
import { checkWindows, findCheck, latencySeries, summarizeCheck } from '../data/checks.js';
import { html, type Html } from '../html.js';
import { page } from '../layout.js';
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
<table><thead><tr><th scope="col">From</th>${QUANTILES.map((q) => html`<th scope="col">${q.key}</th>`)}</tr></thead>
<tbody>${rows.map((r) => html`<tr><td>${when(r.at)}</td>${QUANTILES.map((q) => html`<td>${ms(r.latency[q.key])}</td>`)}</tr>`)}</tbody></table>
</details>
</section>`;
}

export function checkRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/checks/:id',
      access: 'viewer',
      summary: 'One check: state, uptime over 24 h / 7 d / 30 d, latency percentiles from the rollups, recent runs.',
      handler: async ({ daemon, session, params, reply }) => {
        const check = findCheck(daemon, params.id ?? '');
        if (!check) {
          void reply.status(404);
          return page(daemon, { title: 'Check not found', session, body: html`<p>No check <code>${params.id ?? ''}</code> is configured. <a href="/">Overview</a></p>` });
        }
        const summary = await summarizeCheck(daemon, check, 50);
        const windows = await checkWindows(daemon, check.id);
        const day = await latencySeries(daemon, check.id, 86_400_000, 3_600_000);
        const month = await latencySeries(daemon, check.id, 30 * 86_400_000, 86_400_000);
        return page(daemon, {
          title: summary.name,
          session,
          nav: 'overview',
          live: true,
          body: html`
<p>State: <span data-live="checkstate:${check.id}">${stateBadge(summary.state)}</span> · kind ${check.kind}${summary.service ? html` · service ${summary.service}` : ''} · every ${Math.round(Number(check.interval) / 1000)} s</p>
${summary.lastError ? html`<p class="notice error">Last error: ${summary.lastError}</p>` : ''}
<section class="card"><h2>Uptime</h2>
<table class="uptime"><thead><tr><th scope="col">Window</th><th scope="col">Uptime</th><th scope="col">Runs</th><th scope="col">Failures</th><th scope="col">p50</th><th scope="col">p95</th><th scope="col">p99</th></tr></thead>
<tbody>${windows.map((w) => html`<tr><th scope="row">${w.label}</th><td>${percent(w.stats.uptime, 3)}</td><td>${w.stats.count}</td><td>${w.stats.failures}</td><td>${ms(w.stats.latency.p50)}</td><td>${ms(w.stats.latency.p95)}</td><td>${ms(w.stats.latency.p99)}</td></tr>`)}</tbody></table>
</section>
${latencyChart('Latency, last 24 hours (hourly)', day)}
${latencyChart('Latency, last 30 days (daily)', month)}
<section class="card"><h2>Recent runs</h2>
<p>${sparkline(summary.recent, `Latency of ${summary.name}`)}</p>
<table><thead><tr><th scope="col">At</th><th scope="col">Result</th><th scope="col">Latency</th><th scope="col">Error</th></tr></thead>
<tbody>${[...summary.recent].reverse().slice(0, 20).map((r) => html`<tr><td>${when(r.at)}</td><td>${stateBadge(r.down ? 'down' : r.level === 2 ? 'critical' : r.level === 1 ? 'warning' : 'up')}</td><td>${Math.round(r.latencyMs)} ms</td><td>${r.error ?? ''}</td></tr>`)}</tbody></table>
</section>`,
        });
      },
    },
  ];
}
