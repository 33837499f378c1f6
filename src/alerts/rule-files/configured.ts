import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { globSync } from 'tinyglobby';
import { globTooWideSync } from '../../lib/glob-walk.js';
import { parseRuleFile } from './load.js';
import { RuleFileError, type RuleFileProblem, type RuleGroupSpec } from './model.js';

/** A problem of `rule_files:`: of an entry itself (`ofEntry`: it matches nothing, or too much), or inside a file the entry matched. */
export interface ConfiguredRuleFileProblem extends RuleFileProblem {
  /** The index of the `rule_files:` entry: the one at fault, or the first that matched the file. */
  entry: number;
  ofEntry?: true;
}

export interface ConfiguredRuleFiles {
  groups: RuleGroupSpec[];
  /** Every problem of every entry and file: an entry's names its pattern; a file's its file (relative to the config directory) and line. */
  problems: ConfiguredRuleFileProblem[];
  /** The files read (absolute paths): the daemon watches them. */
  files: string[];
}

/**
 * The rule files `rule_files:` names: paths or globs relative to the config directory, read in
 * name order. A group is known by its file (as the config directory sees it) and its name.
 */
export function loadConfiguredRuleFiles(patterns: readonly string[], baseDir: string): ConfiguredRuleFiles {
  /** Each file matched, with the first entry that matched it. */
  const files = new Map<string, number>();
  const problems: ConfiguredRuleFileProblem[] = [];
  patterns.forEach((pattern, entry) => {
    let found: string[];
    try {
      found = ruleFilePaths(pattern, baseDir);
    } catch (err) {
      if (!(err instanceof RuleFileError)) throw err;
      problems.push(...err.problems.map((p) => ({ ...p, entry, ofEntry: true as const })));
      return;
    }
    if (found.length === 0 && !/[*?[{]/.test(pattern)) problems.push({ file: pattern, entry, ofEntry: true, message: `rule file ${pattern} does not exist (rule_files is relative to the config directory)` });
    for (const f of found) if (!files.has(f)) files.set(f, entry);
  });
  const groups: RuleGroupSpec[] = [];
  for (const [f, entry] of files) {
    const name = relative(baseDir, f).split('\\').join('/');
    try {
      groups.push(...parseRuleFile(name, readFileSync(f, 'utf8')));
    } catch (err) {
      if (err instanceof RuleFileError) problems.push(...err.problems.map((p) => ({ ...p, entry })));
      else problems.push({ file: name, entry, message: `cannot read the rule file: ${(err as Error).message}` });
    }
  }
  return { groups, problems, files: [...files.keys()] };
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
