import type { FileContext } from '../context.js';
import { chooseSeverity } from '../severity.js';
import { metricReads } from './metric-reads.js';

/**
 * An error rate the runbook queries but gives no threshold for (a dashboard's
 * `rate(requests_count{status="5xx"}[5m])` under "# Error rate"): a metrics check on the share of
 * requests that failed, and a rule on any failure held for the query's own range. The runbook
 * states no level or severity, so the rule opens the least urgent one, for a person to tune.
 */
export function extractErrorRates(ctx: FileContext, linkFor: (terms: string[]) => string | undefined): void {
  for (const read of metricReads(ctx)) {
    if (read.range === undefined || !('ratio' in read.measure)) continue;
    const source = JSON.stringify(read.measure.ratio);
    if (ctx.state.items.some((i) => i.section === 'checks' && JSON.stringify(i.body.ratio) === source)) continue;
    const url = ctx.metricsPath && ctx.baseUrl ? `${ctx.baseUrl}${ctx.metricsPath.path}` : ctx.todo('metrics_url', 'URL of the Prometheus metrics endpoint that exposes the measurements');
    const body: Record<string, unknown> = { kind: 'metrics', service: ctx.service, url, ratio: read.measure.ratio };
    const runbook = linkFor(['error rate', '5xx', '500 errors']);
    if (runbook) body.runbook = runbook;
    const notes = [`the runbook queries it: ${read.said} (line ${read.line}); the share of ${read.measure.ratio.over} its status label picks`];
    const check = ctx.add({ section: 'checks', body, sources: [ctx.src(read.line)], notes }, `${ctx.service}-error-rate`);
    ctx.found('check', `${check.id}: metrics (${read.measure.ratio.of} / ${read.measure.ratio.over})`, read.line);
    const chosen = chooseSeverity(ctx.state, 'error rate', 'warning');
    const rule = ctx.add(
      {
        section: 'rules',
        body: { check: check.id, condition: 'value > 0', for: read.range, severity: chosen.id, ...(runbook ? { runbook } : {}) },
        sources: [ctx.src(read.line)],
        notes: [`no threshold in the runbook: any error held for the query's range (${read.range}); severity ${chosen.why}`],
      },
      `${check.id}-alert`,
    );
    ctx.found('rule', `${rule.id}: ${check.id} value > 0 for ${read.range} → ${chosen.id}`, read.line);
  }
}
