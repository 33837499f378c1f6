import type { ConfigValidator, SemanticIssue } from '../config/index.js';
import { didYouMean } from '../lib/suggest.js';

/**
 * Cross-references of rules, severities and maintenance: a rule's check exists, every severity a
 * rule, check or rule-file alert names is on the ladder, a severity's calendar is in business_hours:, and a
 * window's services are in services:.
 */
export const incidentsReferencesValidator: ConfigValidator = (config) => {
  const issues: SemanticIssue[] = [];
  const ref = (path: string, message: string): void => {
    issues.push({ code: 'OPSBOOK_E_CONFIG_REFERENCE', path, message });
  };
  const checks = new Set(config.checks.map((c) => c.id));
  const ladder = new Set(config.severities.map((s) => s.id));
  const known = `(ladder: ${[...ladder].join(', ')})`;
  const severity = (id: string | undefined, path: string): void => {
    if (id !== undefined && !ladder.has(id)) ref(path, `severity "${id}" is not on the severities: ladder ${known}`);
  };
  config.rules.forEach((r, i) => {
    if (!checks.has(r.checkId)) ref(`rules[${i}].check`, `check "${r.checkId}" is not defined in checks:${didYouMean(r.checkId, checks)}`);
    severity(r.severity.warning, `rules[${i}].severity`);
    if (r.severity.critical !== r.severity.warning) severity(r.severity.critical, `rules[${i}].severity`);
  });
  for (const [name, a] of Object.entries(config.rule_files.alerts)) severity(a.severity, `rule_files.alerts.${name}.severity`);
  config.checks.forEach((c, i) => {
    const s = (c as { severity?: unknown }).severity;
    if (typeof s === 'string') severity(s, `checks[${i}].severity`);
    else if (s && typeof s === 'object') for (const [level, id] of Object.entries(s)) severity(String(id), `checks[${i}].severity.${level}`);
  });
  const calendars = new Set(config.business_hours.map((b) => b.id));
  config.severities.forEach((s, i) => {
    const cal = s.response.businessHours;
    if (cal !== undefined && !calendars.has(cal)) ref(`severities[${i}].business_hours`, `calendar "${cal}" is not defined in business_hours:${didYouMean(cal, calendars)}`);
  });
  const services = new Set(config.services.map((s) => s.id));
  config.maintenance.forEach((w, i) => {
    w.services.forEach((s, j) => {
      if (!services.has(s)) ref(`maintenance[${i}].services[${j}]`, `service "${s}" is not defined in services:${didYouMean(s, services)}`);
    });
  });
  return issues;
};
