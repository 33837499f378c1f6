import { dirname, join } from 'node:path';
import { loadConfig, registerConfigValidators, type ConfigLoadResult, type LoadOptions } from '../config/index.js';
import { validateCheckConditions } from '../checks/compile.js';
import { incidentsReferencesValidator } from '../incidents/config-validator.js';
import { oncallReferencesValidator } from '../oncall/config-validator.js';
import { slosReferencesValidator } from '../slos/config-validator.js';
import { pagingContactsValidator } from '../notify/config-validator.js';
import { statusPageReferencesValidator } from '../statuspage/config-validator.js';

/** The domains' config checks, registered with config/ (which imports no domain). Domains add theirs here, one line each. */
export function registerDomainConfigValidators(): void {
  registerConfigValidators(validateCheckConditions, oncallReferencesValidator, incidentsReferencesValidator, slosReferencesValidator, pagingContactsValidator, statusPageReferencesValidator);
}

/** Loads and validates a config with every domain's cross-reference checks: what the daemon and every command use. */
export async function loadOpsConfig(path: string, options: LoadOptions = {}): Promise<ConfigLoadResult> {
  registerDomainConfigValidators();
  const loaded = await loadConfig(path, options);
  if (!loaded.ok || loaded.config.rule_files.files.length === 0) return loaded;
  // Rule files are read here, where the config directory is known: a bad one rejects the config with its file:line.
  // Their reader (and the PromQL parser under it) loads only for a config that names rule files.
  const { loadConfiguredRuleFiles } = await import('../alerts/rule-files/index.js');
  const { problems } = loadConfiguredRuleFiles(loaded.config.rule_files.files, loaded.baseDir);
  if (problems.length === 0) return loaded;
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
