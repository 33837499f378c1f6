import type { Runbook, RunbookWarning, Section } from './model.js';
import { phaseIs } from './phases.js';
import { NO_PROCEDURE_WHY } from './procedures.js';
import { cautionsOf } from './cautions.js';
import { placeholderName } from './placeholders.js';

export type LintFinding = RunbookWarning;

/**
 * Warnings a reviewer would raise (docs/runbooks-lint.md lists them): a file with no procedure, a
 * procedure with no diagnosis, a destructive step with no verification after it, a command whose
 * effect is unknown, one that never ends, one that only reads but stalls production, a placeholder
 * never given a value, a block with no language, a broken link inside the document, an empty
 * section.
 */
export function lintRunbook(rb: Runbook): LintFinding[] {
  const out: LintFinding[] = [];
  if (rb.procedures.length === 0) {
    out.push({ code: 'no-procedure', line: rb.sections[0]?.line ?? 1, message: `no procedure found: ${NO_PROCEDURE_WHY}` });
  }
  for (const p of rb.procedures) {
    if (!p.phases.some((ph) => phaseIs(ph, 'diagnosis'))) {
      out.push({ code: 'no-diagnosis', line: p.line, message: `procedure ${p.id} ("${p.title}") has no diagnosis steps` });
    }
    const steps = p.phases.flatMap((ph) => ph.steps.map((s) => ({ step: s, phase: ph.kind })));
    steps.forEach(({ step }, i) => {
      const destructive = step.blocks.find((b) => b.effect === 'destructive');
      if (!destructive) return;
      const later = steps.slice(i + 1);
      const verified = later.some((l) => l.phase === 'verification' || /\b(verify|confirm|check|validate)\b/i.test(l.step.text));
      if (!verified) {
        out.push({ code: 'destructive-unverified', line: destructive.line, message: `destructive step in ${p.id} (${destructive.reasons[0] ?? 'destructive'}) has no verification after it` });
      }
    });
  }
  const prose = rb.prose.toLowerCase();
  const tableText = rb.tables.flatMap((t) => t.rows.map((r) => r.join(' '))).join('\n').toLowerCase();
  const assigned = assignedVariables(rb);
  const reported = new Set<string>();
  for (const b of rb.blocks) {
    for (const ph of b.placeholders) {
      const name = placeholderName(ph).toLowerCase();
      if (reported.has(ph) || prose.includes(name) || tableText.includes(name) || (ph.startsWith('$') && assigned.has(placeholderName(ph)))) continue;
      reported.add(ph);
      out.push({ code: 'placeholder-unexplained', line: b.line, message: `placeholder ${ph} is never given a value: no command sets it and the runbook does not say what it is` });
    }
    for (const c of b.commands) {
      if (c.effect === 'unknown') out.push({ code: 'unknown-effect', line: c.line, message: `opsbook cannot tell what this command changes (${c.reasons[0] ?? 'unknown'}); it will ask before running it` });
      for (const caution of cautionsOf(c)) out.push({ code: caution.code, line: c.line, message: caution.message });
    }
    if (b.commands.length === 0 && b.effect === 'unknown' && b.target !== 'config') {
      out.push({ code: 'unknown-effect', line: b.line, message: `opsbook cannot tell what this block does (${b.reasons[0] ?? 'unknown'})` });
    }
    if (b.languageInferred) out.push({ code: 'block-no-language', line: b.line, message: `code block has no language (read as ${b.language})` });
  }
  const anchors = new Set<string>();
  const collect = (ss: Section[]): void => ss.forEach((s) => { anchors.add(s.anchor); collect(s.children); });
  collect(rb.sections);
  for (const l of rb.links) {
    if (l.href.startsWith('#') && !anchors.has(decodeURIComponent(l.href.slice(1)).toLowerCase())) {
      out.push({ code: 'broken-link', line: l.line, message: `link to ${l.href} points to no heading in this document` });
    }
  }
  const empty = (ss: Section[]): void => {
    for (const s of ss) {
      if (s.empty) out.push({ code: 'empty-section', line: s.line, message: `section "${s.title}" is empty` });
      empty(s.children);
    }
  };
  empty(rb.sections);
  return out.sort((a, b) => a.line - b.line);
}

/** Shell variables some block of the runbook sets: `NAME=…`, `export NAME=…`, `read NAME`, `for NAME in`. */
function assignedVariables(rb: Runbook): Set<string> {
  const out = new Set<string>();
  for (const b of rb.blocks) {
    for (const m of b.code.matchAll(/(?:^|[\s;&|(])(?:export\s+|local\s+|declare\s+(?:-\w+\s+)?)?([A-Za-z_]\w*)=/g)) out.add(m[1]!);
    for (const m of b.code.matchAll(/\b(?:read(?:\s+-\w+)*|for)\s+([A-Za-z_]\w*)/g)) out.add(m[1]!);
  }
  return out;
}
