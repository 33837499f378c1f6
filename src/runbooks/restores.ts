import { worst } from './classify/index.js';
import type { CodeBlock, Command, Procedure } from './model.js';

/**
 * A restore is destructive where it lands on a database that holds data; loading a dump into a
 * scratch database the same procedure created a step earlier (a restore test) only writes. Each
 * procedure is read in order: databases its commands create, then restores into them downgraded.
 * Blocks are shared with `Runbook.blocks`, so both views agree; command arrays are replaced, never
 * changed in place, as they may be shared with the classification cache.
 */
export function scratchRestores(procedures: Procedure[]): void {
  for (const p of procedures) {
    const created = new Set<string>();
    for (const ph of p.phases) {
      for (const step of ph.steps) for (const block of step.blocks) relabel(block, created);
    }
  }
}

function relabel(block: CodeBlock, created: Set<string>): void {
  // Most blocks neither create a database nor restore one: nothing to copy then.
  if (!block.commands.some((c) => c.createsDatabase || c.restoresInto !== undefined)) return;
  let changed = false;
  const commands = block.commands.map((c): Command => {
    const into = c.restoresInto;
    if (c.createsDatabase) created.add(c.createsDatabase);
    if (into === undefined || !created.has(into) || c.effect !== 'destructive') return c;
    changed = true;
    return { ...c, effect: 'write', reasons: [`restores into ${into}, a scratch database this procedure created`, ...c.reasons.filter((r) => !r.includes(into))] };
  });
  if (!changed) return;
  block.commands = commands;
  block.effect = worst(commands.map((c) => c.effect));
  block.reasons = [...new Set(commands.filter((c) => c.effect === block.effect).flatMap((c) => c.reasons))];
}
