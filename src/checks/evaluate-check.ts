import { maskWritten } from '../lib/secrets.js';
import { ConditionScope, evaluateCondition, type ParsedCondition } from './conditions/index.js';
import type { CheckLevel, CheckResult, ConditionOutcome, Observation } from './types.js';

/** The condition lists of one check, parsed. */
export interface CheckConditions {
  id: string;
  kind: string;
  conditions: ParsedCondition[];
  warning: ParsedCondition[];
  critical: ParsedCondition[];
  /**
   * The check's credentials (configSecrets of its config, longest first): masked in the result's
   * error and in what its conditions observed, so a target echoing them back is not recorded with them;
   * credentials written in what was observed (a redirect URL's `?token=…`, a `user:password@`) are masked too.
   */
  secrets?: readonly string[];
}

/**
 * Turns one observation into a result. Status: up when the run had no error and every `conditions:`
 * entry holds (Gatus semantics). Level: critical when down or when any `critical:` entry holds,
 * else warning when any `warning:` entry holds, else ok. The check's credentials, and those what was
 * observed writes itself (lib/secrets.ts writtenSecrets), are masked in what the result says.
 */
export function evaluateCheck(
  check: CheckConditions,
  observation: Observation,
  timing: { at: number; latencyMs: number },
): CheckResult {
  const latencyMs = Math.max(0, Math.round(timing.latencyMs));
  if (observation.pending) {
    return { checkId: check.id, kind: check.kind, at: timing.at, latencyMs, status: 'up', level: 'ok', pending: observation.pending, conditions: [] };
  }
  const scope = new ConditionScope(observation.values);
  const outcomes: ConditionOutcome[] = [];
  const secrets = check.secrets ?? [];
  const healthy = run('conditions', check.conditions, scope, outcomes, true, secrets);
  const warning = run('warning', check.warning, scope, outcomes, false, secrets);
  const critical = run('critical', check.critical, scope, outcomes, false, secrets);
  const status = healthy && observation.error === undefined ? 'up' : 'down';
  const level: CheckLevel = status === 'down' || critical ? 'critical' : warning ? 'warning' : 'ok';
  const result: CheckResult = { checkId: check.id, kind: check.kind, at: timing.at, latencyMs, status, level, conditions: outcomes };
  if (observation.value !== undefined && Number.isFinite(observation.value)) result.value = observation.value;
  if (observation.error !== undefined) result.error = maskWritten(observation.error, secrets);
  return result;
}

/** Evaluates every condition of one list (each outcome is kept); `all`: whether all hold, else whether any does. */
function run(list: ConditionOutcome['list'], conds: ParsedCondition[], scope: ConditionScope, outcomes: ConditionOutcome[], all: boolean, secrets: readonly string[]): boolean {
  let holds = all;
  for (const c of conds) {
    const v = evaluateCondition(c, scope, secrets);
    outcomes.push({ list, text: c.text, ok: v.ok, actual: v.actual });
    holds = all ? holds && v.ok : holds || v.ok;
  }
  return holds;
}
