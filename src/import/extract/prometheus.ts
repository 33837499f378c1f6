import { parser } from '@prometheus-io/lezer-promql';
import { isMap, isSeq, LineCounter, parseDocument, type YAMLMap } from 'yaml';
import { templateProblems } from '../../alerts/index.js';
import { runbookLinkOf } from '../../runbooks/index.js';
import { slug, type FileContext } from '../context.js';
import { words, type Linker } from '../link.js';
import { chooseSeverity } from '../severity.js';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

const COMPARE: Record<string, string> = { Gtr: '>', Gte: '>=', Lss: '<', Lte: '<=', Eql: '==', Neq: '!=' };

/** The metrics-check options that compute what a PromQL expression computes, or why none does. */
export function measureOf(expr: string): { options: Record<string, unknown>; op: string; threshold: number } | { why: string } {
  const tree = parser.parse(expr);
  let broken = false;
  tree.iterate({ enter: (n) => { if (n.type.isError) broken = true; return !broken; } });
  if (broken) return { why: 'the expression does not parse as PromQL' };
  const top = tree.topNode.firstChild;
  if (top?.name !== 'BinaryExpr') return { why: 'no comparison with a number' };
  const [left, opNode, right] = children(top);
  const op = opNode ? COMPARE[opNode.firstChild?.name ?? opNode.name] : undefined;
  if (!left || !op || right?.name !== 'NumberDurationLiteral' || /bool/.test(text(expr, top))) return { why: 'no comparison with a number' };
  const threshold = Number(text(expr, right));
  if (!Number.isFinite(threshold)) return { why: 'the threshold is not a number' };
  const options = measure(expr, left);
  return options ? { options, op, threshold } : { why: `opsbook's metrics check has no equivalent of ${text(expr, left)}` };
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function text(expr: string, n: SyntaxNode): string {
  return expr.slice(n.from, n.to);
}

/** `rate(sel[5m])` → the selector text; anything else → undefined. */
function rateOf(expr: string, n: SyntaxNode | undefined): string | undefined {
  if (n?.name !== 'FunctionCall') return undefined;
  const fn = text(expr, n.getChild('FunctionIdentifier')!);
  if (fn !== 'rate' && fn !== 'irate') return undefined;
  const args = children(n.getChild('FunctionCallBody')!);
  const ms = args.length === 1 && args[0]!.name === 'MatrixSelector' ? args[0]! : undefined;
  const vs = ms?.getChild('VectorSelector');
  return vs ? text(expr, vs) : undefined;
}

function measure(expr: string, n: SyntaxNode): Record<string, unknown> | undefined {
  if (n.name === 'ParenExpr') return n.firstChild ? measure(expr, children(n).find((c) => c.name !== '(' && c.name !== ')')!) : undefined;
  if (n.name === 'VectorSelector') return { gauge: text(expr, n) };
  const rate = rateOf(expr, n);
  if (rate) return { rate };
  if (n.name === 'BinaryExpr') {
    const [a, op, b] = children(n);
    const of = rateOf(expr, a);
    const over = rateOf(expr, b);
    if (op?.name === 'Div' && of && over) return { ratio: { of, over } };
    return undefined;
  }
  if (n.name === 'FunctionCall' && text(expr, n.getChild('FunctionIdentifier')!) === 'histogram_quantile') {
    const [q, inner] = children(n.getChild('FunctionCallBody')!);
    let series = rateOf(expr, inner);
    if (!series && inner?.name === 'AggregateExpr' && /^sum\s*(by\s*\(\s*le\s*\))?\s*\(/.test(text(expr, inner))) {
      const body = inner.getChild('FunctionCallBody');
      series = rateOf(expr, body ? children(body)[0] : undefined);
    }
    if (q?.name !== 'NumberDurationLiteral' || !series) return undefined;
    const m = /^([a-zA-Z_:][\w:]*)_bucket(\{.*\})?$/.exec(series);
    return m ? { quantile: { q: Number(text(expr, q)), histogram: `${m[1]}${m[2] ?? ''}` } } : undefined;
  }
  return undefined;
}

/** Prometheus templates in opsbook's form; undefined when the text uses more than value and labels. */
function annotation(textIn: string): string | undefined {
  const t = textIn.replace(/\{\{\s*\$value\s*\}\}/g, '{{ value }}').replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, '{{ labels.$1 }}');
  return templateProblems(t).length === 0 ? t : undefined;
}

/**
 * Prometheus alerting rules (`groups: - rules: - alert/expr/for/labels/annotations`), from a YAML
 * block of a runbook or from a rules file. A rule whose expression a metrics check computes (a
 * gauge, a rate, a ratio of two rates, histogram_quantile) becomes a check plus an opsbook rule;
 * any other is kept verbatim for Prometheus. `firstLine` is the file line of the text's first line.
 */
export function extractPrometheusRules(ctx: FileContext, yamlText: string, firstLine: number, linker: Linker): boolean {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return false;
  const groups = doc.contents.get('groups', true);
  if (!isSeq(groups)) return false;
  let any = false;
  const lineOf = (node: { range?: [number, number, number] | null }): number => firstLine + (node.range ? lineCounter.linePos(node.range[0]).line : 1) - 1;
  for (const g of groups.items) {
    if (!isMap(g)) continue;
    const groupName = String(g.get('name') ?? 'rules');
    const rules = g.get('rules', true);
    if (!isSeq(rules)) continue;
    for (const r of rules.items) {
      if (!isMap(r) || r.get('alert') === undefined) continue;
      any = true;
      translate(ctx, r, groupName, lineOf(r), linker);
    }
  }
  return any;
}

function translate(ctx: FileContext, r: YAMLMap, group: string, line: number, linker: Linker): void {
  const rule = r.toJSON() as { alert: string; expr?: string; for?: string; labels?: Record<string, unknown>; annotations?: Record<string, unknown> };
  const alert = String(rule.alert);
  const expr = String(rule.expr ?? '');
  const m = measureOf(expr);
  const annotations = Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, String(v)]));
  const link = runbookLinkOf(annotations);
  const runbook = (link ? linker.fromUrl(link, alert) : undefined) ?? linker.find([alert, ...metricNames(expr)], ctx);
  if ('why' in m) {
    const kept = r.toJSON() as Record<string, unknown>;
    // Prometheus passes the annotation on; opsbook's ingest attaches the procedure it names.
    if (runbook && annotations.runbook === undefined) kept.annotations = { ...(rule.annotations ?? {}), runbook };
    ctx.state.verbatim.push({ group, alert, rule: kept, source: ctx.src(line), reason: m.why });
    ctx.found('prometheus rule (verbatim)', `${alert}: ${expr} — ${m.why}`, line);
    if (runbook) ctx.found('runbook link', `${alert} (verbatim) → ${runbook}`, line);
    return;
  }
  const url = ctx.metricsPath && ctx.baseUrl ? `${ctx.baseUrl}${ctx.metricsPath.path}` : ctx.todo('metrics_url', 'URL of the Prometheus metrics endpoint that exposes the measurements');
  const check = ctx.add(
    { section: 'checks', body: { kind: 'metrics', ...(ctx.hasService ? { service: ctx.service } : {}), url, ...m.options }, sources: [ctx.src(line)], notes: [`from Prometheus alert ${alert}: ${expr}`, 'Prometheus computes rates over its [range]; this check computes them between two scrapes'] },
    `${ctx.hasService ? `${ctx.service}-` : ''}${slug(words(alert))}`,
  );
  const labels: Record<string, string> = {};
  let severity: string | undefined;
  for (const [k, v] of Object.entries(rule.labels ?? {})) {
    if (k === 'severity' && (ctx.state.ladder ?? ['P1', 'P2', 'P3', 'P4']).includes(String(v).toUpperCase())) severity = String(v).toUpperCase();
    else if (/^[a-zA-Z_]\w*$/.test(k)) labels[k] = String(v);
  }
  const kept: Record<string, string> = {};
  const notes = [`Prometheus alert ${alert} in group ${group}`];
  for (const [k, v] of Object.entries(annotations)) {
    const t = /^[a-z_][a-z0-9_]*$/.test(k) ? annotation(v) : undefined;
    if (t !== undefined) kept[k] = t;
    else notes.push(`annotation ${k} left out: its template uses more than {{ $value }} and {{ $labels.NAME }}`);
  }
  const body: Record<string, unknown> = { check: check.id, condition: `value ${m.op} ${m.threshold}` };
  if (rule.for) body.for = String(rule.for);
  if (Object.keys(labels).length > 0) body.labels = labels;
  if (Object.keys(kept).length > 0) body.annotations = kept;
  const labelled = typeof rule.labels?.severity === 'string' ? rule.labels.severity.toLowerCase() : '';
  const chosen = severity ? undefined : chooseSeverity(ctx.state, words(alert), labelled === 'warning' || labelled === 'info' ? 'warning' : 'critical');
  body.severity = severity ?? chosen!.id;
  if (chosen) notes.push(`severity ${chosen.why}`);
  if (runbook) body.runbook = runbook;
  const item = ctx.add({ section: 'rules', body, sources: [ctx.src(line)], notes }, slug(words(alert)));
  ctx.found('rule', `${item.id}: ${check.id} value ${m.op} ${m.threshold}${rule.for ? ` for ${String(rule.for)}` : ''} (Prometheus ${alert})`, line);
  if (runbook) ctx.found('runbook link', `${item.id} → ${runbook}`, line);
}

function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b([a-z_:][a-z0-9_:]*_[a-z0-9_:]+)\b/g)].map((m) => m[1]!.replace(/_(bucket|count|sum|total)$/, '')))];
}
