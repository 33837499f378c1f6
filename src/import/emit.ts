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
  /** Where the Prometheus rule file is written, relative to ops.yaml (`rule_files:` names it); absent: the rules go in a comment. */
  prometheusRulesFile?: string;
}

export interface Emitted {
  /** ops.yaml */
  config: string;
  /** The Prometheus rule file; absent when there are no rules (or no file was asked for). */
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
  if (proposal.credentials.length > 0) {
    header.push('', 'Credentials the runbooks write are not copied: set these variables where opsbook runs (never in this file):');
    for (const t of proposal.credentials) header.push(`  ${t.name}: ${t.hint}`);
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
  const file = options.prometheusRulesFile;
  const kept = proposal.prometheusRules.filter((r) => r.leftOut === undefined);
  if (file && kept.length > 0) {
    doc.set('rule_files', doc.createNode([file]));
    const node = doc.get('rule_files', true) as Node | undefined;
    if (node) (node as Node & { commentBefore?: string }).commentBefore = comment([`${kept.length} Prometheus rule(s) from the runbooks, evaluated by opsbook as written (see docs/rule-files.md).`]);
  }
  if (proposal.prometheusRules.length > 0 && !file) {
    doc.comment = comment(['Prometheus rules from the runbooks; with --out they are written to a rule file that rule_files: names:', ...ruleFileText(proposal).split('\n')]);
  }
  const config = doc.toString(STRING_OPTIONS);
  return { config, ...(proposal.prometheusRules.length > 0 && file ? { prometheusRules: ruleFileText(proposal) } : {}) };
}

/**
 * The rule file: the rules grouped as they were, each with its source and import's notes; rules
 * opsbook would refuse are listed in a comment at the end with the reason.
 */
function ruleFileText(proposal: Proposal): string {
  const out = new Document({});
  const kept = proposal.prometheusRules.filter((r) => r.leftOut === undefined);
  const names = [...new Set(kept.map((v) => v.group))];
  const seq = out.createNode(names.map((name) => ({ name, ...kept.find((v) => v.group === name)!.groupOptions, rules: kept.filter((v) => v.group === name).map((v) => v.rule) })));
  if (isSeq(seq)) {
    seq.items.forEach((g, n) => {
      const rules = isMap(g) ? g.get('rules', true) : undefined;
      if (!isSeq(rules)) return;
      kept
        .filter((v) => v.group === names[n])
        .forEach((v, i) => {
          const node = rules.items[i];
          if (isMap(node)) node.commentBefore = comment([`source: ${formatSource(v.source)}`, ...v.notes]);
        });
    });
  }
  out.commentBefore = comment(['opsbook import: Prometheus rules found in the runbooks, evaluated by opsbook (rule_files: in ops.yaml).', 'A `runbook: FILE#ID` annotation links the procedure import matched; review before relying on it.']);
  out.set('groups', seq);
  const left = proposal.prometheusRules.filter((r) => r.leftOut !== undefined);
  if (left.length > 0) {
    const lines = ['Left out: opsbook refuses these as written.'];
    for (const r of left) lines.push(`${r.name} (${formatSource(r.source)}): ${r.leftOut}`);
    out.comment = comment(lines);
  }
  return out.toString(STRING_OPTIONS);
}
