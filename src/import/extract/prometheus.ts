import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { yamlValue } from './yaml-value.js';
import { parseRuleFile, RuleFileError } from '../../alerts/rule-files/index.js';
import { runbookLinkOf } from '../../runbooks/index.js';
import type { FileContext } from '../context.js';
import { words, type Linker } from '../link.js';
import { chooseSeverity } from '../severity.js';

/**
 * Prometheus rules (`groups: - rules: - alert|record/expr/for/labels/annotations`), from a YAML
 * block of a runbook or from a rules file. Each goes, as written, into the rule file `rule_files:`
 * names, which opsbook evaluates: a matching procedure is linked with a `runbook: FILE#ID`
 * annotation, and the `severity` label becomes the ladder id import chose (as for its own rules). A rule
 * opsbook would refuse (a template outside its subset, a bad expression) is left out with a note.
 * `firstLine` is the file line of the text's first line.
 */
export function extractPrometheusRules(ctx: FileContext, yamlText: string, firstLine: number, linker: Linker): boolean {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter });
  // A block whose aliases cannot all be resolved is skipped like one that does not parse.
  if (doc.errors.length > 0 || !isMap(doc.contents) || yamlValue(doc) === undefined) return false;
  const groups = doc.contents.get('groups', true);
  if (!isSeq(groups)) return false;
  let any = false;
  const lineOf = (node: { range?: [number, number, number] | null }): number => firstLine + (node.range ? lineCounter.linePos(node.range[0]).line : 1) - 1;
  for (const g of groups.items) {
    if (!isMap(g)) continue;
    const groupName = String(g.get('name') ?? 'rules');
    // Values through the document, so an alias reads as its anchor's value.
    const { name: _name, rules: _rules, ...groupOptions } = g.toJS(doc) as Record<string, unknown>;
    const rules = g.get('rules', true);
    if (!isSeq(rules)) continue;
    for (const r of rules.items) {
      if (!isMap(r) || (r.get('alert') === undefined && r.get('record') === undefined)) continue;
      any = true;
      keep(ctx, r.toJS(doc) as RuleText & Record<string, unknown>, { name: groupName, options: groupOptions }, lineOf(r), linker);
    }
  }
  return any;
}

type RuleText = { alert?: string; record?: string; expr?: unknown; for?: unknown; labels?: Record<string, unknown>; annotations?: Record<string, unknown> };

function keep(ctx: FileContext, rule: RuleText & Record<string, unknown>, g: { name: string; options: Record<string, unknown> }, line: number, linker: Linker): void {
  const group = g.name;
  const groupOptions = g.options;
  const name = String(rule.alert ?? rule.record);
  const expr = String(rule.expr ?? '');
  const notes: string[] = [];
  const problem = refusal(rule);
  if (problem) {
    ctx.found('prometheus rule', `${name}: left out — ${problem}`, line);
    ctx.state.prometheusRules.push({ group, groupOptions, name, rule, source: ctx.src(line), notes, leftOut: problem });
    return;
  }
  if (rule.alert === undefined) {
    ctx.state.prometheusRules.push({ group, groupOptions, name, rule, source: ctx.src(line), notes });
    ctx.found('prometheus rule', `${name} (recording): ${expr}`, line);
    return;
  }
  const annotations = Object.fromEntries(Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, String(v)]));
  const link = runbookLinkOf(annotations);
  const runbook = (link ? linker.fromUrl(link, name) : undefined) ?? linker.find([name, ...metricNames(expr)], ctx);
  // opsbook resolves `runbook` first: the procedure import found is the one the incident shows.
  if (runbook && annotations.runbook !== runbook) {
    if (annotations.runbook !== undefined) notes.push(`runbook: was ${annotations.runbook}`);
    rule.annotations = { ...(rule.annotations ?? {}), runbook };
  }
  const labelled = typeof rule.labels?.severity === 'string' ? rule.labels.severity : undefined;
  const ladder = ctx.state.ladder ?? ['P1', 'P2', 'P3', 'P4'];
  if (!labelled || !ladder.includes(labelled)) {
    const level = labelled?.toLowerCase() === 'warning' || labelled?.toLowerCase() === 'info' ? 'warning' : 'critical';
    const chosen = chooseSeverity(ctx.state, words(name), level);
    // The label is what opsbook maps onto the ladder: import writes the ladder id it chose (never
    // over-paging: a severity the runbook does not state is the least urgent), and notes the original.
    rule.labels = { ...(rule.labels ?? {}), severity: chosen.id };
    notes.push(`severity ${chosen.why}${labelled ? ` (the rule said ${labelled})` : ''}`);
  }
  ctx.state.prometheusRules.push({ group, groupOptions, name, rule, source: ctx.src(line), notes });
  ctx.found('prometheus rule', `${name}: ${expr}${rule.for ? ` for ${String(rule.for)}` : ''}`, line);
  if (runbook) ctx.found('runbook link', `${name} → ${runbook}`, line);
}

/** Why opsbook's rule-file loader would refuse the rule, or undefined when it takes it. */
function refusal(rule: Record<string, unknown>): string | undefined {
  const text = JSON.stringify({ groups: [{ name: 'import', rules: [rule] }] });
  try {
    parseRuleFile('import', text);
    return undefined;
  } catch (err) {
    if (err instanceof RuleFileError) return err.problems.map((p) => p.message).join('; ');
    throw err;
  }
}

function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b([a-z_:][a-z0-9_:]*_[a-z0-9_:]+)\b/g)].map((m) => m[1]!.replace(/_(bucket|count|sum|total)$/, '')))];
}
