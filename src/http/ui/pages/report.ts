import { html, trusted } from '../html.js';
import { page } from '../layout.js';
import type { UiRoute } from '../route.js';

const PERIODS = [
  { key: '7d', label: 'Last 7 days' },
  { key: '30d', label: 'Last 30 days' },
  { key: 'month', label: 'This month' },
] as const;
type Period = (typeof PERIODS)[number]['key'];

/**
 * The operations report as a page of the UI (SLO attainment with budget charts, incidents against
 * targets, RPO/RTO), for the period asked (`?period=7d|30d|month`, default 30d): the same sections
 * `opsbook report --format html` writes into a self-contained file, under the site's navigation.
 */
export function reportRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/report',
      access: 'viewer',
      summary: 'The operations report for the last 7 or 30 days, or this month.',
      handler: async ({ daemon, session, query }) => {
        const period: Period = PERIODS.find((p) => p.key === query.period)?.key ?? '30d';
        const { buildReport, renderReportSections, reportHeading } = await import('../../../slos/report/index.js');
        const report = await buildReport(daemon.store, daemon.config, period, daemon.clock.now());
        return page(daemon, {
          title: reportHeading(report),
          session,
          nav: 'report',
          body: html`<nav class="periods" aria-label="Report period"><ul>${PERIODS.map(
            (p) => html`<li><a href="/report?period=${p.key}"${p.key === period ? html` aria-current="page"` : ''}>${p.label}</a></li>`,
          )}</ul></nav>
<div class="report">${trusted(renderReportSections(report))}</div>`, // the report escapes every value it prints
        });
      },
    },
  ];
}
