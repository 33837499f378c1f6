import { dirname, join, relative, resolve } from 'node:path';
import { loadConfig, registerConfigValidators, type ConfigIssue, type ConfigLoaded, type ConfigRejected, type LoadOptions, type SourceLocation } from '../config/index.js';
import { validateCheckConditions } from '../checks/check-conditions.js';
import { incidentsReferencesValidator } from '../incidents/config-validator.js';
import { oncallReferencesValidator } from '../oncall/config-validator.js';
import { slosReferencesValidator } from '../slos/config-validator.js';
import { pagingContactsValidator } from '../notify/config-validator.js';
import { statusPageReferencesValidator } from '../statuspage/config-validator.js';
import type { RuleGroupSpec } from '../alerts/rule-files/index.js';
import type { Runbook } from '../runbooks/index.js';

/**
 * What a config load read: the daemon's config watch watches these files, and the folders where a
 * file matching one of the globs could appear (docs/operating.md, "Reload").
 */
export interface ConfigSources {
  /** Every file the load read, as absolute paths: its config files, rule files and runbooks. */
  files: string[];
  /** The `rule_files:` and `runbooks:` entries the load expanded, each with the files they matched then. */
  globs: SourceGlobs[];
}

/** One section's entries (paths or globs relative to `baseDir`) and the files they matched at the load. */
export interface SourceGlobs {
  kind: 'rule_files' | 'runbooks';
  baseDir: string;
  patterns: string[];
  matched: string[];
}

/** The files `kind`'s entries matched at the load, relative to the folder those entries are relative to, sorted. */
export function filesRead(sources: ConfigSources, kind: SourceGlobs['kind']): string[] {
  const files = new Set<string>();
  for (const g of sources.globs) if (g.kind === kind) for (const f of g.matched) files.add(relative(g.baseDir, resolve(g.baseDir, f)));
  return [...files].sort();
}

/**
 * A config accepted, with the runbooks `runbooks:` names as this load read them while validating
 * the config's `FILE#ID` references: what runs with the config is what was checked. Handed on, never
 * read again, so a file changed after the load is not run until a reload validates it.
 */
export interface OpsConfigLoaded extends ConfigLoaded {
  runbooks: Runbook[];
  /** The groups of `rule_files:`, as this load read and checked them: what the rule-file engine runs, for the same reason. */
  ruleGroups: RuleGroupSpec[];
  sources: ConfigSources;
}

/** A config refused, with what the load read before it stopped (fixing one of those files may make it good). */
export interface OpsConfigRejected extends ConfigRejected {
  sources: ConfigSources;
}

/** A config whose rule files have been read: the runbooks are next. */
type RuleFilesRead = ConfigLoaded & { ruleGroups: RuleGroupSpec[]; sources: ConfigSources };

export type OpsConfigLoadResult = OpsConfigLoaded | OpsConfigRejected;

/** The domains' config checks, registered with config/ (which imports no domain). Domains add theirs here, one line each. */
export function registerDomainConfigValidators(): void {
  registerConfigValidators(validateCheckConditions, oncallReferencesValidator, incidentsReferencesValidator, slosReferencesValidator, pagingContactsValidator, statusPageReferencesValidator);
}

/** Loads and validates a config with every domain's cross-reference checks, its rule files and runbooks read: what the daemon, `validate`, `test` and the commands that run or show runbooks use. */
export async function loadOpsConfig(path: string, options: LoadOptions = {}): Promise<OpsConfigLoadResult> {
  const read = await loadOpsConfigAlone(path, options);
  if (!read.ok) return read;
  const ruleFiles = await checkRuleFiles(read);
  return ruleFiles.ok ? checkRunbooks(ruleFiles) : ruleFiles;
}

/**
 * As loadOpsConfig, but the files the config names are not read: neither the rule files nor the
 * runbooks, nor the config's alert names and `FILE#ID` references checked against them. For a command
 * that uses none of them (`incident list`, `incident ack`, `oncall now`, `token create`…): with a
 * library of hundreds of runbooks, reading them was most of such a command's start, and one broken
 * runbook or rule file refused an `incident ack` that never reads it. `validate`, `serve`, `test` and
 * the commands that run or show runbooks read them all.
 */
export async function loadOpsConfigAlone(path: string, options: LoadOptions = {}): Promise<ConfigLoaded | OpsConfigRejected> {
  registerDomainConfigValidators();
  const loaded = await loadConfig(path, options);
  if (!loaded.ok) return { ...loaded, sources: { files: loaded.files.map((f) => resolve(f)), globs: [] } };
  return loaded;
}

/** `sources` with the files `kind`'s entries matched added. */
function withSources(sources: ConfigSources, globs: SourceGlobs): ConfigSources {
  return { files: [...sources.files, ...globs.matched], globs: [...sources.globs, globs] };
}

/** Rule files named by the config, read: a bad one, or an alert setting naming no alert of them, rejects the config. */
async function checkRuleFiles(loaded: ConfigLoaded): Promise<RuleFilesRead | OpsConfigRejected> {
  const named = Object.keys(loaded.config.rule_files.alerts);
  const configFiles: ConfigSources = { files: loaded.files.map((f) => resolve(f)), globs: [] };
  if (loaded.config.rule_files.files.length === 0 && named.length === 0) return { ...loaded, ruleGroups: [], sources: configFiles };
  // Rule files are read here, where the config directory is known: a bad one rejects the config with its file:line.
  // Their reader (and the PromQL parser under it) loads only for a config that names rule files.
  const { loadConfiguredRuleFiles } = await import('../alerts/rule-files/index.js');
  const { groups, problems, files } = loadConfiguredRuleFiles(loaded.config.rule_files.files, loaded.baseDir);
  const sources = withSources(configFiles, { kind: 'rule_files', baseDir: loaded.baseDir, patterns: loaded.config.rule_files.files, matched: files });
  if (problems.length === 0) return unknownAlerts({ ...loaded, ruleGroups: groups, sources }, named);
  return {
    ok: false,
    files: loaded.files,
    sources,
    issues: problems.map((p) => {
      const path = `rule_files.files[${p.entry}]`;
      const at = locateFilesEntry(loaded, 'rule_files', p.entry);
      // An entry that matches nothing (or too much) is located at the entry; a problem inside a file it matched at that file:line.
      if (p.ofEntry) return { code: 'OPSBOOK_E_RULE_FILE_INVALID' as const, message: p.message, path, ...(at ?? {}) };
      return {
        code: 'OPSBOOK_E_RULE_FILE_INVALID' as const,
        message: `${p.message}${at ? ` (${path} at ${at.file}:${at.line})` : ''}`,
        path,
        // Named as the config files are (relative to where the user pointed), not as an absolute path.
        file: loaded.files[0] ? join(dirname(loaded.files[0]), p.file) : join(loaded.baseDir, p.file),
        ...(p.line !== undefined ? { line: p.line } : {}),
      };
    }),
  };
}

/** `rule_files.alerts` may only name alerts of the rule files: a misspelt name would change nothing, silently. */
function unknownAlerts(loaded: RuleFilesRead, named: readonly string[]): RuleFilesRead | OpsConfigRejected {
  const alerts = new Set(loaded.ruleGroups.flatMap((g) => g.rules).flatMap((r) => (r.kind === 'alert' ? [r.name] : [])));
  const unknown = named.filter((n) => !alerts.has(n));
  if (unknown.length === 0) return loaded;
  return {
    ok: false,
    files: loaded.files,
    sources: loaded.sources,
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

/**
 * The runbooks named by `runbooks:`, read as the daemon reads them, and every `FILE#ID` the config
 * writes (a check's or rule's runbook, `procedures:` settings) resolved against them: what `serve`
 * would refuse, or a reload would keep the old procedures for, `validate` reports with its file:line.
 */
async function checkRunbooks(loaded: RuleFilesRead): Promise<OpsConfigLoadResult> {
  const { config } = loaded;
  const referenced =
    config.checks.some((c) => c.runbook !== undefined) ||
    config.rules.some((r) => r.runbook !== undefined) ||
    config.slos.some((s) => 'runbook' in s && s.runbook !== undefined) ||
    Object.values(config.rule_files.alerts).some((a) => a.runbook !== undefined) ||
    Object.keys(config.procedures).length > 0;
  // No runbook named, none referenced: nothing to read (and the reader is not loaded).
  if (config.runbooks.files.length === 0 && !referenced) return { ...loaded, runbooks: [] };
  const [{ readConfiguredRunbooks }, { checkRunbookReferences }] = await Promise.all([import('../executions/runbooks.js'), import('../executions/runbook-references.js')]);
  const { runbooks, problems, files } = await readConfiguredRunbooks(config, loaded.baseDir);
  const sources = withSources(loaded.sources, { kind: 'runbooks', baseDir: loaded.baseDir, patterns: config.runbooks.files, matched: files });
  const issues: ConfigIssue[] = problems.map((p) => ({ code: p.code, message: p.message, path: `runbooks.files[${p.index}]`, ...(locateFilesEntry(loaded, 'runbooks', p.index) ?? {}) }));
  // A reference into a runbook that could not be read is not reported again.
  if (issues.length === 0) {
    const found = checkRunbookReferences(config, runbooks);
    // The procedure settings' checks build each procedure's plan: loaded only for a config that has some.
    if (Object.keys(config.procedures).length > 0) {
      const { checkProcedureSettings } = await import('../executions/config-validator.js');
      found.push(...checkProcedureSettings(config, runbooks));
    }
    for (const issue of found) issues.push({ ...issue, ...(loaded.locate(issue.path) ?? {}) });
  }
  if (issues.length === 0) return { ...loaded, runbooks, sources };
  const rank = (i: ConfigIssue): number => (i.file === undefined ? -1 : loaded.files.indexOf(i.file));
  issues.sort((a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0));
  return { ok: false, files: loaded.files, issues, sources };
}

/** Where `SECTION.files[i]` was written (`runbooks:`, `rule_files:`): in the `files:` form, the short list form, else the section. */
function locateFilesEntry(loaded: ConfigLoaded, section: 'runbooks' | 'rule_files', index: number): SourceLocation | undefined {
  for (const path of [`${section}.files[${index}]`, `${section}[${index}]`]) {
    const at = loaded.locate(path);
    const parent = loaded.locate(path.slice(0, path.lastIndexOf('[')));
    if (at && (at.file !== parent?.file || at.line !== parent?.line)) return at;
  }
  return loaded.locate(section);
}
