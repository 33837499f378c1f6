import type { ConfigValidator, SemanticIssue } from '../config/index.js';
import { didYouMean } from '../lib/suggest.js';

/**
 * `slos:` cross-references: the checks exist and are of a kind that measures what the SLO says
 * (an error ratio from a metrics check, a recovery point from a file or heartbeat check), and the
 * severities are on the ladder.
 */
export const slosReferencesValidator: ConfigValidator = (config) => {
  const issues: SemanticIssue[] = [];
  const kinds = new Map(config.checks.map((c) => [c.id, c.kind as string]));
  const severities = new Set(config.severities.map((s) => s.id));
  const checkRef = (id: string, path: string, allowed?: string[]) => {
    const kind = kinds.get(id);
    if (kind === undefined) issues.push({ code: 'OPSBOOK_E_CONFIG_REFERENCE', message: `check "${id}" is not defined in checks${didYouMean(id, kinds.keys())}`, path });
    else if (allowed && !allowed.includes(kind)) issues.push({ code: 'OPSBOOK_E_CONFIG_REFERENCE', message: `check "${id}" is a ${kind} check; this needs a ${allowed.join(' or ')} check`, path });
  };
  config.slos.forEach((s, i) => {
    if (s.kind === 'recovery_point') return checkRef(s.check, `slos[${i}].check`, ['file', 'heartbeat']);
    if (s.kind === 'error_ratio') checkRef(s.check, `slos[${i}].check`, ['metrics', 'json', 'command', 'postgres']);
    else s.checks.forEach((c, j) => checkRef(c, `slos[${i}].checks[${j}]`));
    for (const urgency of ['page', 'ticket'] as const) {
      const id = s.severity[urgency];
      if (s.alerts !== false && s.alerts.some((a) => a.urgency === urgency) && !severities.has(id)) {
        issues.push({ code: 'OPSBOOK_E_CONFIG_REFERENCE', message: `severity "${id}" is not on the severities ladder`, path: `slos[${i}].severity.${urgency}` });
      }
    }
  });
  return issues;
};
