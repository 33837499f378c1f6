/** Ops-as-code: the `ops.yaml` schema, loading (file or directory, `${VAR}`), validation with locations. */
export { loadConfig, type ConfigLoadResult, type ConfigLoaded, type ConfigRejected, type LoadOptions } from './load.js';
export { describeConfigProblems, formatIssue, unsetVariablesHint, type ConfigIssue } from './issues.js';
export type { SourceLocation } from './merge.js';
export { validateSemantics, BUILTIN_VALIDATORS, type ConfigValidator, type SemanticIssue } from './semantics.js';
export { configValidators, registerConfigValidators } from './validators.js';
export { RAW_TEXT_FIELDS, isRawTextField } from './raw-fields.js';
export { configSecrets, holdEnvSecrets, isCredentialHeader, looksLikeCredential, maskSecrets, secretForms, urlPasswords, writtenSecrets, maskWritten, MASK, MIN_SECRET_LENGTH } from './secrets.js';
export { expandEnv } from './env.js';
export { isConfigFileName } from './source.js';
export { formatPath, parsePath } from './paths.js';
export { resolveStorage, type StorageTarget } from './storage.js';
export { configJsonSchema } from './json-schema.js';
export {
  opsConfigSchema,
  DEFAULT_CONFIG_MAX_BYTES,
  duration,
  id,
  labels,
  type OpsConfig,
  type OpsConfigInput,
  type DurationBounds,
} from './schema/index.js';
export type { ScrapeJob, RelabelConfig } from './schema/scrape.js';
export { RESTART_ONLY, RELOADED, type RestartOnlySetting } from './schema/restart-only.js';
export { keepRunning, restartNeeded } from './restart-needed.js';
