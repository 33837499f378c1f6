import type { OpsConfig, SemanticIssue } from '../config/index.js';
import { formatPath } from '../config/index.js';
import { findProcedure, type Runbook } from '../runbooks/reader.js';
import { knownProcedures } from './runbooks.js';

/**
 * Every `runbook: FILE#ID` of checks, rules, SLOs and `rule_files.alerts` must name a procedure of
 * the runbooks read: a misspelt one would leave the responder's incident without its procedure,
 * silently, at the moment it is needed.
 */
export function checkRunbookReferences(config: OpsConfig, runbooks: readonly Runbook[]): SemanticIssue[] {
  const refs: { path: string; reference: string }[] = [];
  config.checks.forEach((c, i) => {
    if (c.runbook !== undefined) refs.push({ path: `checks[${i}].runbook`, reference: c.runbook });
  });
  config.rules.forEach((r, i) => {
    if (r.runbook !== undefined) refs.push({ path: `rules[${i}].runbook`, reference: r.runbook });
  });
  config.slos.forEach((s, i) => {
    if ('runbook' in s && s.runbook !== undefined) refs.push({ path: `slos[${i}].runbook`, reference: s.runbook });
  });
  for (const [name, settings] of Object.entries(config.rule_files.alerts)) {
    if (settings.runbook !== undefined) refs.push({ path: formatPath(['rule_files', 'alerts', name, 'runbook']), reference: settings.runbook });
  }
  return refs
    .filter((r) => !findProcedure([...runbooks], r.reference))
    .map((r) => ({ code: 'OPSBOOK_E_PROCEDURE_NOT_FOUND', message: `no procedure ${r.reference} (${knownProcedures(runbooks, r.reference)})`, path: r.path }));
}
