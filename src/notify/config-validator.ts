import type { ConfigValidator, SemanticIssue } from '../config/index.js';
import { CONTACT_PROVIDER, expandVia } from './contacts.js';

/**
 * People must be reachable the way the config says: each contact kind needs a channel of the kind
 * that serves it (sms and voice: twilio; ntfy; webpush; email; slack; webhook), and each
 * notification rule must name a contact kind the person has.
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
  const severities = new Set(config.severities.map((s) => s.id));
  config.escalation_policies.forEach((p, pi) =>
    p.steps.forEach((step, si) =>
      step.severities?.forEach((sev, vi) => {
        if (!severities.has(sev)) {
          issues.push({ code: 'OPSBOOK_E_CONFIG_REFERENCE', message: `severity "${sev}" is not defined in severities:`, path: `escalation_policies[${pi}].steps[${si}].severities[${vi}]` });
        }
      }),
    ),
  );
  return issues;
};
