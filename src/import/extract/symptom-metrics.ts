import type { FileContext } from '../context.js';
import type { Item } from '../model.js';
import { chooseSeverity } from '../severity.js';
import type { Procedure } from '../../runbooks/index.js';
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
    if (procedure) capacityAlert(ctx, procedure, check, name);
  }
}

/**
 * "Set alert at 80% capacity" in the procedure of a metric that reaches its limit: a rule on that
 * metric at that share of a capacity the runbook does not give, so the bound is a TODO to compute
 * (80% of the limit). The runbook states no severity: the least urgent.
 */
function capacityAlert(ctx: FileContext, procedure: Procedure, check: Item, name: string): void {
  for (let line = procedure.line; line <= procedure.endLine; line++) {
    const m = /\balert\s+at\s+(\d+(?:\.\d+)?)\s*%\s*(?:of\s+(?:the\s+)?)?capacity\b/i.exec(ctx.lineText(line));
    if (!m) continue;
    const bound = ctx.todo(`${name}_alert_at`, `${m[1]}% of the capacity of ${name} (the runbook gives the share, line ${line}, not the capacity)`);
    const chosen = chooseSeverity(ctx.state, `${name} capacity`, 'warning');
    const body: Record<string, unknown> = { check: check.id, condition: `value >= ${bound}`, severity: chosen.id };
    if (typeof check.body.runbook === 'string') body.runbook = check.body.runbook;
    const rule = ctx.add(
      { section: 'rules', body, sources: [ctx.src(line)], notes: [`"${ctx.lineText(line).trim()}" (line ${line}): ${m[1]}% of a capacity the runbook does not give`, `severity ${chosen.why}`] },
      `${check.id}-capacity`,
    );
    ctx.found('rule', `${rule.id}: ${check.id} value >= ${m[1]}% of its capacity (TODO) → ${chosen.id}`, line);
    return;
  }
}
