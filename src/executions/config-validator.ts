import type { ConfigValidator, OpsConfig, SemanticIssue } from '../config/index.js';
import { formatPath } from '../config/index.js';
import { findProcedure, type Runbook } from '../runbooks/index.js';
import { buildPlan } from './plan.js';
import { knownProcedures } from './runbooks.js';
import type { Plan } from './types.js';

/** Steps that stop a procedure from running unattended: neither read nor pre-approved, or a required tick. */
export function unattendedProblems(plan: Plan): string[] {
  const out: string[] = [];
  for (const s of plan.steps) {
    if (s.manual) {
      if (s.required) out.push(`step ${s.number} (${s.text}) is a required manual step nobody ticks at night`);
      continue;
    }
    if (s.effect !== 'read' && !s.preApproved) out.push(`step ${s.number} (${s.text || s.commands[0]?.text || ''}) is ${s.effect} and not in pre_approved`);
  }
  return out;
}

/**
 * `procedures[…]` checks that need the runbooks: the reference names a procedure, `cron` only on
 * procedures whose steps are all read or pre-approved, `required` items that exist.
 */
export function checkProcedureSettings(config: OpsConfig, runbooks: readonly Runbook[]): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  for (const [key, settings] of Object.entries(config.procedures)) {
    const match = findProcedure([...runbooks], key);
    if (!match) {
      issues.push({ code: 'OPSBOOK_E_PROCEDURE_NOT_FOUND', message: `no procedure ${key} (${knownProcedures(runbooks, key)})`, path: formatPath(['procedures', key]) });
      continue;
    }
    const { plan } = buildPlan({ runbook: match.runbook, procedure: match.procedure, config, baseDir: '.', defaultCwd: () => '.', env: {} });
    for (const r of plan.unknownRequired) {
      issues.push({ code: 'OPSBOOK_E_CONFIG_REFERENCE', message: `required item "${r}" is not a manual step or checklist item of ${key}`, path: formatPath(['procedures', key, 'required', settings.required.indexOf(r)]) });
    }
    if (settings.cron === undefined) continue;
    const problems = unattendedProblems(plan);
    if (problems.length > 0) {
      issues.push({ code: 'OPSBOOK_E_EXECUTION_CRON', message: `a cron procedure runs unattended, so every step must be read or pre_approved: ${problems.join('; ')}`, path: formatPath(['procedures', key, 'cron']) });
    }
  }
  return issues;
}

/** The check above as a validator for the config loader, once the runbooks are read. */
export function procedureSettingsValidator(runbooks: readonly Runbook[]): ConfigValidator {
  return (config) => checkProcedureSettings(config, runbooks);
}

