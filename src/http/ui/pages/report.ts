import type { UiRoute } from '../route.js';

const PERIODS = ['7d', '30d', 'month'] as const;

/**
 * The operations report as a page: the same self-contained HTML `opsbook report --format html`
 * writes (SLO attainment with budget charts, incidents against targets, RPO/RTO), for the period
 * asked (`?period=7d|30d|month`, default 30d).
 */
export function reportRoutes(): UiRoute[] {
  return [
    {
      method: 'GET',
      url: '/report',
      access: 'viewer',
      summary: 'The operations report for the last 7 or 30 days, or this month.',
      handler: async ({ daemon, query, reply }) => {
        const period = (PERIODS as readonly string[]).includes(query.period ?? '') ? (query.period as (typeof PERIODS)[number]) : '30d';
        const { buildReport, renderReportHtml } = await import('../../../slos/report/index.js');
        const report = await buildReport(daemon.store, daemon.config, period, daemon.clock.now());
        void reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderReportHtml(report));
        return undefined;
      },
    },
  ];
}
