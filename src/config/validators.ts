import { BUILTIN_VALIDATORS, type ConfigValidator } from './semantics.js';

// Domains own their cross-reference checks and register them here (see daemon/config.ts), so
// config/ never imports a domain: imports point one way, domains → config.
const registered = new Set<ConfigValidator>();

/** Adds a domain's cross-reference checks to every config load (adding one twice changes nothing). */
export function registerConfigValidators(...validators: ConfigValidator[]): void {
  for (const v of validators) registered.add(v);
}

/**
 * Every cross-reference check a config load runs once the schema accepts it, so `opsbook validate`,
 * the daemon and every command report the same problems: the built-in ones, then the domains'.
 */
export function configValidators(): readonly ConfigValidator[] {
  return [...BUILTIN_VALIDATORS, ...registered];
}
