import { dirname, join } from 'node:path';
import { loadConfig, registerConfigValidators, type ConfigLoaded, type ConfigLoadResult, type LoadOptions } from '../config/index.js';
import { validateCheckConditions } from '../checks/compile.js';
import { incidentsReferencesValidator } from '../incidents/config-validator.js';
import { oncallReferencesValidator } from '../oncall/config-validator.js';
import { slosReferencesValidator } from '../slos/config-validator.js';
import { pagingContactsValidator } from '../notify/config-validator.js';
import { statusPageReferencesValidator } from '../statuspage/config-validator.js';
import type { RuleGroupSpec } from '../alerts/rule-files/index.js';

/** The domains' config checks, registered with config/ (which imports no domain). Domains add theirs here, one line each. */
export function registerDomainConfigValidators(): void {
  registerConfigValidators(validateCheckConditions, oncallReferencesValidator, incidentsReferencesValidator, slosReferencesValidator, pagingContactsValidator, statusPageReferencesValidator);
}

/** Loads and validates a config with every domain's cross-reference checks: what the daemon and every command use. */
export async function loadOpsConfig(path: string, options: LoadOptions = {}): Promise<ConfigLoadResult> {
  registerDomainConfigValidators();
  const loaded = await loadConfig(path, options);
  if (!loaded.ok) return loaded;
  const named = Object.keys(loaded.config.rule_files.alerts);
  if (loaded.config.rule_files.files.length === 0 && named.length === 0) return loaded;
  // Rule files are read here, where the config directory is known: a bad one rejects the config with its file:line.
  // Their reader (and the PromQL parser under it) loads only for a config that names rule files.
  const { loadConfiguredRuleFiles } = await import('../alerts/rule-files/index.js');
  const { groups, problems } = loadConfiguredRuleFiles(loaded.config.rule_files.files, loaded.baseDir);
  if (problems.length === 0) return unknownAlerts(loaded, named, groups);
  const at = loaded.locate('rule_files');
  return {
    ok: false,
    files: loaded.files,
    issues: problems.map((p) => ({
      code: 'OPSBOOK_E_RULE_FILE_INVALID' as const,
      message: `${p.message}${at ? ` (rule_files at ${at.file}:${at.line})` : ''}`,
      path: 'rule_files',
      // Named as the config files are (relative to where the user pointed), not as an absolute path.
      file: loaded.files[0] ? join(dirname(loaded.files[0]), p.file) : join(loaded.baseDir, p.file),
      ...(p.line !== undefined ? { line: p.line } : {}),
    })),
  };
}

/** `rule_files.alerts` may only name alerts of the rule files: a misspelt name would change nothing, silently. */
function unknownAlerts(loaded: ConfigLoaded, named: readonly string[], groups: readonly RuleGroupSpec[]): ConfigLoadResult {
  const alerts = new Set(groups.flatMap((g) => g.rules).flatMap((r) => (r.kind === 'alert' ? [r.name] : [])));
  const unknown = named.filter((n) => !alerts.has(n));
  if (unknown.length === 0) return loaded;
  return {
    ok: false,
    files: loaded.files,
    issues: unknown.map((name) => {
      const at = loaded.locate(`rule_files.alerts.${name}`);
      return {
        code: 'OPSBOOK_E_CONFIG_REFERENCE' as const,
        message: `alert "${name}" is not an alerting rule of the rule_files: files${alerts.size ? ` (alerts: ${[...alerts].sort().join(', ')})` : ''}`,
        path: `rule_files.alerts.${name}`,
        ...(at ? { file: at.file, line: at.line } : {}),
      };
    }),
  };
}
