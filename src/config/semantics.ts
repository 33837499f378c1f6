import type { ErrorCode } from '../lib/errors/index.js';
import type { ConfigIssue } from './issues.js';
import type { SourceLocation } from './merge.js';
import type { OpsConfig } from './schema/index.js';
import { didYouMean } from '../lib/suggest.js';

/** A problem a validator finds in a schema-valid config; `message` is complete (names the field). */
export interface SemanticIssue {
  code: ErrorCode;
  message: string;
  /** Config path, e.g. `checks[2].service`. */
  path: string;
}

/** Cross-reference checks that a schema cannot express. Domains contribute their own. */
export type ConfigValidator = (config: OpsConfig) => SemanticIssue[];

/** Runs validators and locates what they find. */
export function validateSemantics(
  result: { config: OpsConfig; locate: (path: string) => SourceLocation | undefined },
  validators: readonly ConfigValidator[],
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const validate of validators) {
    for (const issue of validate(result.config)) out.push({ ...issue, ...(result.locate(issue.path) ?? {}) });
  }
  return out;
}

/** A check's `service` must name a service. */
export const checkServicesExist: ConfigValidator = (config) => {
  const known = new Set(config.services.map((s) => s.id));
  const issues: SemanticIssue[] = [];
  config.checks.forEach((check, i) => {
    const service = (check as { service?: unknown }).service;
    if (typeof service === 'string' && !known.has(service)) {
      issues.push({
        code: 'OPSBOOK_E_CONFIG_REFERENCE',
        message: `service "${service}" is not defined in services${didYouMean(service, known)}`,
        path: `checks[${i}].service`,
      });
    }
  });
  return issues;
};

/** A host name in `aliases` may mean one service only, or runbook URLs would be ambiguous. */
export const aliasesUnique: ConfigValidator = (config) => {
  const owner = new Map<string, string>();
  const issues: SemanticIssue[] = [];
  config.services.forEach((service, i) => {
    service.aliases.forEach((alias, j) => {
      const host = alias.toLowerCase();
      const other = owner.get(host);
      if (other !== undefined && other !== service.id) {
        issues.push({
          code: 'OPSBOOK_E_CONFIG_DUPLICATE_ID',
          message: `alias "${alias}" already means service "${other}"`,
          path: `services[${i}].aliases[${j}]`,
        });
      } else owner.set(host, service.id);
    });
  });
  return issues;
};

/** A team's members, services, schedules and policy exist; a service has one owning team at most. */
export const teamReferences: ConfigValidator = (config) => {
  const issues: SemanticIssue[] = [];
  const known = {
    members: new Set(config.users.map((u) => u.name)),
    services: new Set(config.services.map((s) => s.id)),
    schedules: new Set(config.schedules.map((s) => s.id)),
  };
  const what = { members: 'users', services: 'services', schedules: 'schedules' } as const;
  const owner = new Map<string, string>();
  config.teams.forEach((team, i) => {
    for (const field of ['members', 'services', 'schedules'] as const) {
      team[field].forEach((name, j) => {
        if (!known[field].has(name)) issues.push({ code: 'OPSBOOK_E_CONFIG_REFERENCE', message: `"${name}" is not defined in ${what[field]}${didYouMean(name, known[field])}`, path: `teams[${i}].${field}[${j}]` });
      });
    }
    team.services.forEach((service, j) => {
      const other = owner.get(service);
      if (other !== undefined && other !== team.id) issues.push({ code: 'OPSBOOK_E_CONFIG_DUPLICATE_ID', message: `service "${service}" is already owned by team "${other}"`, path: `teams[${i}].services[${j}]` });
      else owner.set(service, team.id);
    });
    const policies = new Set(config.escalation_policies.map((p) => p.id));
    if (team.escalation_policy !== undefined && !policies.has(team.escalation_policy)) {
      issues.push({ code: 'OPSBOOK_E_CONFIG_REFERENCE', message: `escalation policy "${team.escalation_policy}" is not defined in escalation_policies${didYouMean(team.escalation_policy, policies)}`, path: `teams[${i}].escalation_policy` });
    }
  });
  return issues;
};

/** Validators every load runs. */
export const BUILTIN_VALIDATORS: readonly ConfigValidator[] = [checkServicesExist, aliasesUnique, teamReferences];
