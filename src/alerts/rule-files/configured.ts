import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { globSync } from 'tinyglobby';
import { globTooWideSync } from '../../lib/glob-walk.js';
import { parseRuleFile } from './load.js';
import { RuleFileError, type RuleFileProblem, type RuleGroupSpec } from './model.js';

export interface ConfiguredRuleFiles {
  groups: RuleGroupSpec[];
  /** Every problem of every file, each with its file (relative to the config directory) and line. */
  problems: RuleFileProblem[];
  /** The files read (absolute paths): the daemon watches them. */
  files: string[];
}

/**
 * The rule files `rule_files:` names: paths or globs relative to the config directory, read in
 * name order. A group is known by its file (as the config directory sees it) and its name.
 */
export function loadConfiguredRuleFiles(patterns: readonly string[], baseDir: string): ConfiguredRuleFiles {
  const files = new Set<string>();
  const problems: RuleFileProblem[] = [];
  for (const pattern of patterns) {
    let found: string[];
    try {
      found = ruleFilePaths(pattern, baseDir);
    } catch (err) {
      if (!(err instanceof RuleFileError)) throw err;
      problems.push(...err.problems);
      continue;
    }
    if (found.length === 0 && !/[*?[{]/.test(pattern)) problems.push({ file: pattern, message: 'rule file does not exist (rule_files is relative to the config directory)' });
    for (const f of found) files.add(f);
  }
  const groups: RuleGroupSpec[] = [];
  for (const f of files) {
    const name = relative(baseDir, f).split('\\').join('/');
    try {
      groups.push(...parseRuleFile(name, readFileSync(f, 'utf8')));
    } catch (err) {
      if (err instanceof RuleFileError) problems.push(...err.problems);
      else problems.push({ file: name, message: `cannot read the rule file: ${(err as Error).message}` });
    }
  }
  return { groups, problems, files: [...files] };
}

/** The files one `rule_files:` entry matches (absolute paths, in name order): a path, or a glob relative to `baseDir`. */
export function ruleFilePaths(pattern: string, baseDir: string): string[] {
  // A `**` over a whole disk is refused (RuleFileError) before anything is matched.
  const wide = globTooWideSync(pattern, baseDir);
  if (wide) throw new RuleFileError([{ file: pattern, message: `rule_files: ${wide}` }]);
  return globSync(pattern, { cwd: baseDir, absolute: true, onlyFiles: true, expandDirectories: false }).sort();
}

/** The identity of a group across reloads and restarts: its file and name. */
export function groupKey(group: Pick<RuleGroupSpec, 'file' | 'name'>): string {
  return `${group.file}#${group.name}`;
}
