import { BUILTIN_VALIDATORS, type ConfigValidator } from './semantics.js';

// config/'s schema is built from the domains' own option schemas and parsers (check kinds, the
// condition grammar, zoned time), so config/ sits above them; the checks that cross sections with a
// domain's runtime (rules against check kinds, escalation targets against schedules, …) are owned by
// their domains and registered here by the daemon (see daemon/config.ts), which sits above both.
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
