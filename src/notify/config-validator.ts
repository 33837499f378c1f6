import type { ConfigValidator, SemanticIssue } from '../config/index.js';
import { CONTACT_PROVIDER, expandVia } from './contacts.js';
import { didYouMean } from '../lib/suggest.js';

/**
 * People must be reachable the way the config says: each contact kind needs a channel of the kind
 * that serves it (sms and voice: twilio; ntfy; webpush; email; slack; webhook), and each
 * notification rule must name a contact kind the person has. A person an escalation step pages
 * (by name, or as a member of a schedule it pages) needs at least one way to be reached.
 */
export const pagingContactsValidator: ConfigValidator = (config) => {
  const issues: SemanticIssue[] = [];
  const kinds = new Set(config.channels.map((c) => c.kind));
  config.users.forEach((user, ui) => {
    user.contact.forEach((contact, ci) => {
      const provider = CONTACT_PROVIDER[contact.kind];
      if (!kinds.has(provider)) {
        issues.push({
          code: 'OPSBOOK_E_CONFIG_REFERENCE',
          message: `${user.name}'s ${contact.kind} contact needs a channel of kind ${provider}, and channels: has none`,
          path: `users[${ui}].contact[${ci}].kind`,
        });
      }
    });
    const has = new Set<string>([...user.contact.map((c) => c.kind), ...(user.email ? ['email'] : [])]);
    for (const urgency of ['high', 'low'] as const) {
      user.notification_rules?.[urgency]?.forEach((rule, ri) => {
        rule.via.forEach((via, vi) => {
          if (![...expandVia([via])].some((k) => has.has(k))) {
            issues.push({
              code: 'OPSBOOK_E_CONFIG_REFERENCE',
              message: `${user.name} has no ${via === 'push' ? 'ntfy or webpush' : via} contact for this rule`,
              path: `users[${ui}].notification_rules.${urgency}[${ri}].via[${vi}]`,
            });
          }
        });
      });
    }
  });
  issues.push(...unreachableTargets(config));
  const severities = new Set(config.severities.map((s) => s.id));
  config.escalation_policies.forEach((p, pi) =>
    p.steps.forEach((step, si) =>
      step.severities?.forEach((sev, vi) => {
        if (!severities.has(sev)) {
          issues.push({ code: 'OPSBOOK_E_CONFIG_REFERENCE', message: `severity "${sev}" is not defined in severities:${didYouMean(sev, severities)}`, path: `escalation_policies[${pi}].steps[${si}].severities[${vi}]` });
        }
      }),
    ),
  );
  return issues;
};

/** Escalation targets who could never be reached: a page to them would reach nobody at 3 a.m. */
function unreachableTargets(config: Parameters<ConfigValidator>[0]): SemanticIssue[] {
  const reachable = new Set(config.users.filter((u) => u.contact.length > 0 || u.email !== undefined).map((u) => u.name));
  const known = new Set(config.users.map((u) => u.name));
  const schedules = new Map(config.schedules.map((s) => [s.id, s]));
  const issues: SemanticIssue[] = [];
  const unreachable = (name: string): boolean => known.has(name) && !reachable.has(name);
  config.escalation_policies.forEach((policy, pi) =>
    policy.steps.forEach((step, si) =>
      step.targets.forEach((target, ti) => {
        const path = `escalation_policies[${pi}].steps[${si}].targets[${ti}]`;
        if ('user' in target && unreachable(target.user)) {
          issues.push({ code: 'OPSBOOK_E_CONFIG_REFERENCE', message: `${target.user} is paged here but has no email and no contact: methods, so the page would reach nobody`, path: `${path}.user` });
        }
        if ('schedule' in target) {
          const schedule = schedules.get(target.schedule);
          const names = new Set([...(schedule?.layers.flatMap((l) => l.users) ?? []), ...(schedule?.overrides.map((o) => o.user) ?? [])]);
          const missing = [...names].filter(unreachable);
          if (missing.length > 0) {
            issues.push({ code: 'OPSBOOK_E_CONFIG_REFERENCE', message: `schedule ${target.schedule} pages ${missing.join(', ')}, who ${missing.length === 1 ? 'has' : 'have'} no email and no contact: methods, so a page on their shift would reach nobody`, path: `${path}.schedule` });
          }
        }
      }),
    ),
  );
  return issues;
}
