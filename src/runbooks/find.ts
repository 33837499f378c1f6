import type { Procedure, Runbook } from './model.js';

export interface ProcedureMatch {
  runbook: Runbook;
  procedure: Procedure;
}

function normalisePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '').toLowerCase();
}

/**
 * Resolve a procedure reference `FILE#ID` (e.g. `runbooks/nxentra.md#RB-001`), both parts
 * matched case-insensitively. FILE matches a runbook's path exactly or as a path suffix.
 */
export function findProcedure(runbooks: Runbook[], reference: string): ProcedureMatch | undefined {
  const hash = reference.lastIndexOf('#');
  if (hash < 0) return undefined;
  const file = normalisePath(reference.slice(0, hash));
  const id = reference.slice(hash + 1).toLowerCase();
  for (const runbook of runbooks) {
    const path = normalisePath(runbook.file);
    if (file && path !== file && !path.endsWith(`/${file}`)) continue;
    const procedure = runbook.procedures.find((p) => p.id.toLowerCase() === id);
    if (procedure) return { runbook, procedure };
  }
  return undefined;
}
