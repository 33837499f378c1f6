import { validateCheckConditions } from '../checks/compile.js';
import { oncallReferencesValidator } from '../oncall/config-validator.js';
import { BUILTIN_VALIDATORS, type ConfigValidator } from './semantics.js';

/**
 * Every cross-reference check a config load runs once the schema accepts it, so `opsbook validate`,
 * the daemon and every command report the same problems. Domains add theirs here, one line each.
 */
export const CONFIG_VALIDATORS: readonly ConfigValidator[] = [
  ...BUILTIN_VALIDATORS,
  validateCheckConditions,
  oncallReferencesValidator,
  (await import('../incidents/config-validator.js')).incidentsReferencesValidator,
  (await import('../slos/config-validator.js')).slosReferencesValidator,
  (await import('../notify/config-validator.js')).pagingContactsValidator,
];
