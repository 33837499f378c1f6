import type { AlertRule, CheckInfo, SeverityMap } from './types.js';

/** A rule as config gives it (see src/config/schema/rules.ts), before implicit rules are added. */
export type ConfiguredRule = AlertRule;

/** Id of a check's implicit rule. */
export function implicitRuleId(checkId: string): string {
  return `check:${checkId}`;
}

/** A check's `severity:` as a map: one id applies to both levels. */
export function severityMapOf(severity: SeverityMap | string | undefined): SeverityMap {
  if (severity === undefined) return {};
  return typeof severity === 'string' ? { warning: severity, critical: severity } : severity;
}

/**
 * Every rule the evaluator runs: the configured rules plus one implicit rule per check that fires
 * on the check's level (warning or critical). A configured rule on a check without a condition
 * replaces that check's implicit rule (it is the same level rule, with its own labels, annotations
 * and severities).
 */
export function buildRules(checks: readonly CheckInfo[], configured: readonly ConfiguredRule[]): AlertRule[] {
  const replaced = new Set(configured.filter((r) => !r.condition).map((r) => r.checkId));
  const implicit: AlertRule[] = checks
    .filter((c) => !replaced.has(c.id))
    .map((c) => ({
      id: implicitRuleId(c.id),
      checkId: c.id,
      forMs: 0,
      keepFiringForMs: 0,
      labels: {},
      annotations: {},
      ...(c.runbook ? { runbook: c.runbook } : {}),
      severity: severityMapOf(c.severity),
      implicit: true,
    }));
  return [...implicit, ...configured];
}

/** What the evaluator needs of configured checks, by id. */
export function checkInfoFromConfig(checks: readonly Record<string, unknown>[]): Map<string, CheckInfo> {
  const out = new Map<string, CheckInfo>();
  for (const c of checks) {
    const id = String(c.id);
    out.set(id, {
      id,
      ...(typeof c.name === 'string' ? { name: c.name } : {}),
      ...(typeof c.service === 'string' ? { service: c.service } : {}),
      ...(c.labels && typeof c.labels === 'object' ? { labels: c.labels as Record<string, string> } : {}),
      ...(typeof c.runbook === 'string' ? { runbook: c.runbook } : {}),
      ...(c.severity !== undefined ? { severity: c.severity as SeverityMap | string } : {}),
    });
  }
  return out;
}
