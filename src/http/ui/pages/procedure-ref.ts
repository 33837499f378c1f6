import type { Procedure, Runbook } from '../../../runbooks/index.js';

/** `FILE#ID` → the procedure (same matching as the runbook reader's findProcedure, without loading it eagerly). */
export function findProcedureIn(runbooks: Runbook[], reference: string): { runbook: Runbook; procedure: Procedure } | undefined {
  const hash = reference.lastIndexOf('#');
  if (hash < 0) return undefined;
  const norm = (p: string) => p.replace(/\\/g, '/').replace(/^\.\//, '').toLowerCase();
  const file = norm(reference.slice(0, hash));
  const id = reference.slice(hash + 1).toLowerCase();
  for (const runbook of runbooks) {
    const p = norm(runbook.file);
    if (file && p !== file && !p.endsWith(`/${file}`)) continue;
    const procedure = runbook.procedures.find((x) => x.id.toLowerCase() === id);
    if (procedure) return { runbook, procedure };
  }
  return undefined;
}
