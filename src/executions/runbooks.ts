import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { OpsConfig } from '../config/index.js';
import { isOpsbookError, OpsbookError, type ErrorCode } from '../lib/errors/index.js';
import { runbookFiles } from './runbook-files.js';
// The reader without the PostgreSQL parser loaded up front: the config load reads runbooks through here.
import { findProcedure, NO_PROCEDURE_WHY, PhaseReader, readRunbook, type ProcedureMatch, type Runbook } from '../runbooks/reader.js';

/** A `runbooks:` entry that could not be read: its index in `runbooks.files`, and why. */
export interface RunbookReadProblem {
  index: number;
  pattern: string;
  code: ErrorCode;
  message: string;
}

/**
 * The runbooks `runbooks:` names: paths or globs relative to the config directory. Each runbook
 * is known by its path relative to that directory (`runbooks/db.md`), which `FILE#ID` references use.
 * Never throws for a missing or unreadable file: every such entry is returned as a problem. `files`:
 * the files read (absolute paths), which the daemon watches.
 */
export async function readConfiguredRunbooks(config: Pick<OpsConfig, 'runbooks'>, baseDir: string): Promise<{ runbooks: Runbook[]; problems: RunbookReadProblem[]; files: string[] }> {
  const files = new Map<string, number>();
  const problems: RunbookReadProblem[] = [];
  for (const [index, pattern] of config.runbooks.files.entries()) {
    let found: string[];
    try {
      found = await runbookFiles(pattern, baseDir);
    } catch (e) {
      if (!isOpsbookError(e)) throw e;
      problems.push({ index, pattern, code: e.code, message: e.message });
      continue;
    }
    if (found.length === 0 && !/[*?[{]/.test(pattern)) {
      const isDirectory = await stat(resolve(baseDir, pattern)).then((s) => s.isDirectory(), () => false);
      problems.push({
        index,
        pattern,
        code: 'OPSBOOK_E_RUNBOOK_READ',
        message: isDirectory
          ? `runbook ${pattern} is a directory (name its files, or a glob such as ${pattern.replace(/\/+$/, '')}/*.md)`
          : `runbook ${pattern} does not exist (paths are relative to ${baseDir})`,
      });
    }
    for (const f of found.sort()) if (!files.has(f)) files.set(f, index);
  }
  const runbooks: Runbook[] = [];
  const phases = new PhaseReader(config.runbooks.phases);
  for (const [f, index] of files) {
    const file = relative(baseDir, f).split('\\').join('/');
    try {
      runbooks.push(await readRunbook(f, { file, phases }));
    } catch (e) {
      if (!isOpsbookError(e)) throw e;
      problems.push({ index, pattern: config.runbooks.files[index]!, code: e.code, message: `runbook ${file}: ${e.message}` });
    }
  }
  return { runbooks, problems, files: [...files.keys()] };
}

/** As readConfiguredRunbooks, throwing the first problem (OPSBOOK_E_RUNBOOK_READ, …). */
export async function loadConfiguredRunbooks(config: Pick<OpsConfig, 'runbooks'>, baseDir: string): Promise<Runbook[]> {
  const { runbooks, problems } = await readConfiguredRunbooks(config, baseDir);
  const first = problems[0];
  if (first) throw new OpsbookError(first.code, first.message, { location: { path: `runbooks.files[${first.index}]` } });
  return runbooks;
}

/** What a `FILE#ID` reference could have named: the procedures of its file, or the runbooks read. */
export function knownProcedures(runbooks: readonly Runbook[], reference: string): string {
  const hash = reference.lastIndexOf('#');
  const file = (hash < 0 ? reference : reference.slice(0, hash)).replace(/^\.\//, '').toLowerCase();
  const rb = runbooks.find((r) => r.file.toLowerCase() === file || r.file.toLowerCase().endsWith(`/${file}`));
  if (rb && rb.procedures.length === 0) return `no procedure found in ${rb.file}: ${NO_PROCEDURE_WHY}`;
  return rb
    ? `procedures in ${rb.file}: ${rb.procedures.map((p) => p.id).join(', ')}`
    : `runbooks: ${runbooks.map((r) => r.file).join(', ') || 'none configured (set runbooks: in ops.yaml)'}`;
}

/** Resolves `FILE#ID` or throws OPSBOOK_E_PROCEDURE_NOT_FOUND listing what exists. */
export function resolveProcedure(runbooks: Runbook[], reference: string): ProcedureMatch {
  const match = findProcedure(runbooks, reference);
  if (match) return match;
  throw new OpsbookError('OPSBOOK_E_PROCEDURE_NOT_FOUND', `no procedure ${reference} (${knownProcedures(runbooks, reference)})`);
}
