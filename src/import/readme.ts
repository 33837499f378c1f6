import type { Finding, Proposal } from './model.js';

const ORDER: Finding['what'][] = ['service', 'check', 'rule', 'severity', 'escalation', 'slo', 'backup', 'runbook link', 'prometheus rule', 'alert runbook'];

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * The docs/import.md section: per runbook, a table of what import found, each with its line. Generated from
 * the proposals themselves, so the docs cannot claim what import does not do.
 */
export function importReadme(runbooks: { title: string; file: string; proposal: Proposal }[]): string {
  const out: string[] = [];
  for (const { title, file, proposal } of runbooks) {
    const findings = [...proposal.findings].sort((a, b) => ORDER.indexOf(a.what) - ORDER.indexOf(b.what) || a.source.line - b.source.line);
    out.push(`#### ${title}`, '', `\`opsbook import ${file}\`: ${proposal.items.length} config entries, ${proposal.todos.length} TODO variables.`, '', '| What | Found | Line |', '|---|---|---|');
    for (const f of findings) out.push(`| ${f.what} | ${cell(f.text)} | ${f.source.line} |`);
    out.push('');
  }
  return out.join('\n').trimEnd();
}
