import { loadConfig, registerConfigValidators, type ConfigLoadResult, type LoadOptions } from '../config/index.js';
import { validateCheckConditions } from '../checks/compile.js';
import { incidentsReferencesValidator } from '../incidents/config-validator.js';
import { oncallReferencesValidator } from '../oncall/config-validator.js';
import { slosReferencesValidator } from '../slos/config-validator.js';
import { pagingContactsValidator } from '../notify/config-validator.js';

/** The domains' config checks, registered with config/ (which imports no domain). Domains add theirs here, one line each. */
export function registerDomainConfigValidators(): void {
  registerConfigValidators(validateCheckConditions, oncallReferencesValidator, incidentsReferencesValidator, slosReferencesValidator, pagingContactsValidator);
}

/** Loads and validates a config with every domain's cross-reference checks: what the daemon and every command use. */
export function loadOpsConfig(path: string, options: LoadOptions = {}): Promise<ConfigLoadResult> {
  registerDomainConfigValidators();
  return loadConfig(path, options);
}
