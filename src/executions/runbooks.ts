import { relative } from 'node:path';
import { glob } from 'tinyglobby';
import type { OpsConfig } from '../config/index.js';
import { OpsbookError } from '../lib/errors/index.js';
import { findProcedure, PhaseReader, readRunbook, type ProcedureMatch, type Runbook } from '../runbooks/index.js';

/**
 * The runbooks `runbooks:` names: paths or globs relative to the config directory. Each runbook
 * is known by its path relative to that directory (`runbooks/db.md`), which `FILE#ID` references use.
 */
export async function loadConfiguredRunbooks(config: Pick<OpsConfig, 'runbooks'>, baseDir: string): Promise<Runbook[]> {
  const files = new Set<string>();
  for (const pattern of config.runbooks.files) {
    const found = await glob(pattern, { cwd: baseDir, absolute: true, onlyFiles: true, expandDirectories: false });
    if (found.length === 0 && !/[*?[{]/.test(pattern)) {
      throw new OpsbookError('OPSBOOK_E_RUNBOOK_READ', `runbook ${pattern} does not exist`, { location: { path: 'runbooks' } });
    }
    for (const f of found.sort()) files.add(f);
  }
  const out: Runbook[] = [];
  const phases = new PhaseReader(config.runbooks.phases);
  for (const f of files) out.push(await readRunbook(f, { file: relative(baseDir, f).split('\\').join('/'), phases }));
  return out;
}

/** Resolves `FILE#ID` or throws OPSBOOK_E_PROCEDURE_NOT_FOUND listing what exists. */
export function resolveProcedure(runbooks: Runbook[], reference: string): ProcedureMatch {
  const match = findProcedure(runbooks, reference);
  if (match) return match;
  const hash = reference.lastIndexOf('#');
  const file = hash < 0 ? reference : reference.slice(0, hash);
  const rb = runbooks.find((r) => r.file === file || r.file.endsWith(`/${file}`));
  const known = rb
    ? `procedures in ${rb.file}: ${rb.procedures.map((p) => p.id).join(', ') || 'none'}`
    : `runbooks: ${runbooks.map((r) => r.file).join(', ') || 'none configured (set runbooks: in ops.yaml)'}`;
  throw new OpsbookError('OPSBOOK_E_PROCEDURE_NOT_FOUND', `no procedure ${reference} (${known})`);
}
