import { Document, isMap, isSeq, type Node } from 'yaml';
import { formatSource, type Item, type Proposal, type Section } from './model.js';

/** Sections in the order a reader wants them: what is watched, who is paged, then the rest. */
const ORDER: Section[] = ['services', 'users', 'severities', 'escalation_policies', 'checks', 'rules', 'slos'];

const STRING_OPTIONS = { lineWidth: 0, indentSeq: true } as const;

function comment(lines: string[]): string {
  return lines.map((l) => ` ${l}`).join('\n');
}

function itemComment(item: Item): string {
  const sources = [...new Set(item.sources.map(formatSource))];
  return comment([`source: ${sources.join(', ')}`, ...item.notes]);
}

export interface EmitOptions {
  /** Where the verbatim Prometheus rules are written, relative to ops.yaml; absent: they go in a comment. */
  prometheusRulesFile?: string;
}

export interface Emitted {
  /** ops.yaml */
  config: string;
  /** The Prometheus rules kept as written, as a rules file; absent when there are none. */
  prometheusRules?: string;
}

/**
 * The proposal as YAML. Each entry's `source:` lines and notes are comments above it (the schema has
 * no source key); the header lists every TODO variable with what it should hold. Key order is the
 * extractors', so the same proposal always prints the same bytes.
 */
export function emit(proposal: Proposal, options: EmitOptions = {}): Emitted {
  const doc = new Document({});
  const header = [
    'opsbook import: an ops config proposed from runbooks. Review every entry before relying on it.',
    'Each entry names the runbook lines it came from (source: FILE:LINE). What the runbooks do not say',
    'is a ${TODO_…} variable: set it in the environment or replace it, then run `opsbook validate`.',
  ];
  if (proposal.todos.length > 0) {
    header.push('', 'TODO variables:');
    for (const t of proposal.todos) header.push(`  ${t.name}: ${t.hint}`);
  }
  doc.commentBefore = comment(header);
  if (proposal.runbooks.length > 0) doc.set('runbooks', doc.createNode(proposal.runbooks));
  for (const section of ORDER) {
    const items = proposal.items.filter((i) => i.section === section);
    if (items.length === 0) continue;
    const seq = doc.createNode(items.map((i) => i.body)) as Node;
    if (isSeq(seq)) {
      seq.items.forEach((node, n) => {
        if (isMap(node)) node.commentBefore = itemComment(items[n]!);
      });
    }
    doc.set(section, seq);
  }
  if (proposal.verbatim.length > 0) {
    const where = options.prometheusRulesFile;
    const lines = where
      ? [`${proposal.verbatim.length} Prometheus alerting rule(s) have no opsbook equivalent and are kept as written in ${where}.`]
      : ['Prometheus alerting rules with no opsbook equivalent, kept as written (prometheus_rules):', ...verbatimText(proposal).split('\n')];
    doc.comment = comment(lines);
  }
  const config = doc.toString(STRING_OPTIONS);
  return { config, ...(proposal.verbatim.length > 0 && options.prometheusRulesFile ? { prometheusRules: verbatimText(proposal) } : {}) };
}

/** A Prometheus rules file holding the verbatim rules, grouped as they were, each with its source. */
function verbatimText(proposal: Proposal): string {
  const out = new Document({});
  const names = [...new Set(proposal.verbatim.map((v) => v.group))];
  const seq = out.createNode(names.map((name) => ({ name, rules: proposal.verbatim.filter((v) => v.group === name).map((v) => v.rule) })));
  if (isSeq(seq)) {
    seq.items.forEach((g, n) => {
      const rules = isMap(g) ? g.get('rules', true) : undefined;
      if (!isSeq(rules)) return;
      proposal.verbatim
        .filter((v) => v.group === names[n])
        .forEach((v, i) => {
          const node = rules.items[i];
          if (isMap(node)) node.commentBefore = comment([`source: ${formatSource(v.source)}`, `kept verbatim: ${v.reason}`]);
        });
    });
  }
  out.set('groups', seq);
  return out.toString(STRING_OPTIONS);
}
