import type { FileContext } from '../context.js';
import { metricsUrl } from './thresholds.js';

/** "`queue_pool_used` metric at limit": a metric named in code, called a metric. */
const NAMED_METRIC = /`([a-z_:][a-z0-9_:]*_[a-z0-9_:]*)`\s+metric\b|\bmetric\s+`([a-z_:][a-z0-9_:]*_[a-z0-9_:]*)`/;

/**
 * A metric a procedure's symptoms name without a number ("`db_pool_used` metric at limit"): a
 * metrics check reading it as a gauge, linked to that procedure, so the figure the responder is told
 * to look at is recorded. No level: the runbook gives none, so nothing pages on its value.
 */
export function extractSymptomMetrics(ctx: FileContext): void {
  for (const item of ctx.listItems) {
    if (ctx.phaseAt(item.line)?.kind !== 'symptoms') continue;
    const m = NAMED_METRIC.exec(ctx.lineText(item.line));
    const name = m?.[1] ?? m?.[2];
    if (!name || ctx.state.items.some((i) => i.section === 'checks' && i.body.gauge === name)) continue;
    const procedure = ctx.procedureAt(item.line);
    const body: Record<string, unknown> = { kind: 'metrics', service: ctx.service, url: metricsUrl(ctx), gauge: name };
    if (procedure) body.runbook = ctx.reference(procedure);
    const notes = [`a symptom names it: "${item.text}" (line ${item.line}); the runbook gives no level, so none is set`];
    const check = ctx.add({ section: 'checks', body, sources: [ctx.src(item.line)], notes }, `${ctx.service}-${name.replace(/_/g, '-')}`);
    ctx.found('check', `${check.id}: metrics (gauge ${name}) named by a symptom`, item.line);
  }
}
