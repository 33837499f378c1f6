import { slug, type FileContext } from '../context.js';
import type { Item } from '../model.js';
import { metricReads } from './metric-reads.js';
import { metricsUrl } from './thresholds.js';

/** `NAME{status=~"5.."}`: a counter's series of one HTTP status class, and how the class is written. */
const CLASS_SELECTOR = /^([a-zA-Z_:][\w:]*)\{\s*(status|code|status_code)\s*(=~?)\s*"([1-5])(\.\.|xx)"\s*\}$/;

/** The ratio a measured status class of the runbook's own counter gives for another class ("4xx errors"). */
function classRatio(ctx: FileContext, cls: string): { of: string; over: string; line: number } | undefined {
  const ratios = [
    ...ctx.state.items.filter((i) => i.section === 'checks' && i.body.service === ctx.service).map((i) => ({ ratio: i.body.ratio as { of?: unknown; over?: unknown } | undefined, line: i.sources[0]!.line })),
    ...metricReads(ctx).map((r) => ({ ratio: 'ratio' in r.measure ? r.measure.ratio : undefined, line: r.line })),
  ];
  for (const { ratio, line } of ratios) {
    const m = typeof ratio?.of === 'string' ? CLASS_SELECTOR.exec(ratio.of) : null;
    if (!m || ratio?.over !== m[1]) continue;
    return { of: `${m[1]!}{${m[2]!}${m[3]!}"${cls}${m[5]!}"}`, over: m[1]!, line };
  }
  return undefined;
}

/**
 * The metrics check an error-ratio objective ("4xx errors < 1%", "Failed transactions < 0.01%") is
 * measured on. A status class the runbook's own request counter is read for elsewhere is that
 * counter's share (an existing check with the same ratio is reused); any other subject is a check
 * of its own whose selector is a TODO, so the objective names a check that says what to fill.
 */
export function errorRatioCheck(ctx: FileContext, subject: string, line: number): { check: string; note: string } {
  const cls = /\b([1-5])xx\b/i.exec(subject)?.[1];
  const known = cls ? classRatio(ctx, cls) : undefined;
  if (known) {
    const ratio = { of: known.of, over: known.over };
    const same = ctx.state.items.find((i): i is Item => i.section === 'checks' && i.body.service === ctx.service && JSON.stringify(i.body.ratio) === JSON.stringify(ratio));
    if (same) return { check: same.id, note: `measured by ${same.id} (${ratio.of} / ${ratio.over})` };
    const body = { kind: 'metrics', service: ctx.service, url: metricsUrl(ctx), ratio };
    const notes = [`"${subject}" (line ${line}): the share of ${known.over} in status class ${cls}xx; the runbook reads that counter by status (line ${known.line})`];
    const item = ctx.add({ section: 'checks', body, sources: [ctx.src(line)], notes }, `${ctx.service}-${slug(subject)}-ratio`);
    ctx.found('check', `${item.id}: metrics (${ratio.of} / ${ratio.over}) for "${subject}"`, line);
    return { check: item.id, note: `measured by ${item.id}` };
  }
  const body = { kind: 'metrics', service: ctx.service, url: metricsUrl(ctx), gauge: ctx.todo(`${subject}_selector`, `PromQL expression whose value is the "${subject}" ratio (0 to 1)`) };
  const notes = [`"${subject}" (line ${line}): the runbook does not say where this ratio is measured: fill the selector`];
  const item = ctx.add({ section: 'checks', body, sources: [ctx.src(line)], notes }, `${ctx.service}-${slug(subject)}`);
  ctx.found('check', `${item.id}: metrics (source TODO) for "${subject}"`, line);
  return { check: item.id, note: `measured by ${item.id}, whose selector is a TODO` };
}
