import type { ConfigValidator } from '../config/index.js';
import { checkOncallReferences } from './references.js';

/**
 * The on-call cross-references as a config validator: users named by schedules and escalation
 * steps exist in `users:`, step schedules in `schedules:`, step channels in `channels:`.
 */
export const oncallReferencesValidator: ConfigValidator = (config) =>
  checkOncallReferences({
    schedules: config.schedules,
    escalationPolicies: config.escalation_policies,
    users: config.users.map((u) => u.name),
    channels: config.channels.map((c) => c.id),
  }).map((issue) => ({ code: 'OPSBOOK_E_CONFIG_REFERENCE', ...issue }));
