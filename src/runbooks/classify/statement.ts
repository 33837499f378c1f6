import type { Effect, Target } from '../model.js';
import { worse, type Verdict } from './effect.js';
import type { ShCall, ShStatement, ShWord } from './shell-parse.js';
import { classifyProgram } from './shell.js';

/** Redirections that write a file. */
const WRITING = new Set(['>', '>>', '&>', '&>>', '>|', '<>']);
/** Redirections that do not write anything worth a confirmation (as `classifyCall` has them). */
const HARMLESS_TARGETS = /^(\/dev\/null|\/dev\/stdout|\/dev\/stderr|&?[0-9]|-)$/;
/** Reasons a statement that does more than read leaves out (as `classifyStatement` does). */
const ONLY_READS = / only (reads|prints|lists)/;

/**
 * The verdict of one statement, equal to `classifyStatement`'s, built in one pass over its calls:
 * each program's verdict is folded in where it is made, with no verdict per call and none for the
 * whole made from them. What `combine` does twice (once per call, once per statement) comes to
 * this: the worst effect of all parts, their reasons in order without repeats, the first
 * database restored into or created, and the target of the first call whose parts share one
 * target other than the shell. `statement.property.test.ts` holds it to `classifyStatement`.
 */
export function statementVerdict(st: ShStatement): Verdict {
  let effect: Effect = 'read';
  const reasons: string[] = [];
  let target: Target | undefined;
  let restoresInto: string | undefined;
  let createsDatabase: string | undefined;
  for (const call of st.calls) {
    // The call's target while its parts agree: null once they differ, undefined before any part.
    let callTarget: Target | null | undefined;
    const words = call.words;
    if (words.length > 0) {
      const v = classifyProgram(words[0]!.value, argumentsOf(words), call.piped || readsFile(call));
      effect = worse(effect, v.effect);
      for (const r of v.reasons) if (!reasons.includes(r)) reasons.push(r);
      if (restoresInto === undefined) restoresInto = v.restoresInto;
      if (createsDatabase === undefined) createsDatabase = v.createsDatabase;
      callTarget = v.target;
    } else if (call.assigns.length > 0) {
      // A part that only reads: the effect stays as it is.
      const reason = `sets shell variable ${call.assigns.join(', ')}`;
      if (!reasons.includes(reason)) reasons.push(reason);
      callTarget = 'shell';
    }
    for (const r of call.redirects) {
      if (!WRITING.has(r.op) || HARMLESS_TARGETS.test(r.target)) continue;
      effect = worse(effect, 'write');
      const reason = `${r.op} writes to ${r.target}`;
      if (!reasons.includes(reason)) reasons.push(reason);
      callTarget = callTarget === undefined || callTarget === 'shell' ? 'shell' : null;
    }
    if (target === undefined && callTarget && callTarget !== 'shell') target = callTarget;
  }
  const out: Verdict = { effect, reasons: effect === 'read' ? reasons : reasons.filter((r) => !ONLY_READS.test(r) && !r.startsWith('sets shell variable')), target: target ?? 'shell' };
  if (restoresInto !== undefined) out.restoresInto = restoresInto;
  if (createsDatabase !== undefined) out.createsDatabase = createsDatabase;
  return out;
}

/** The values of a call's words after the first: the program's arguments. */
function argumentsOf(words: ShWord[]): string[] {
  const out = new Array<string>(words.length - 1);
  for (let i = 1; i < words.length; i++) out[i - 1] = words[i]!.value;
  return out;
}

/** Input redirected from a file (`psql db < dump.sql`) is input like a pipe. */
function readsFile(call: ShCall): boolean {
  for (const r of call.redirects) if (r.op === '<') return true;
  return false;
}
