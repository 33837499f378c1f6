import type { Effect, Target } from '../model.js';
import { worse, type Verdict } from './effect.js';
import type { ShCall, ShStatement } from './shell-parse.js';
import { classifyWords } from './shell.js';

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
  const acc = new Folded();
  for (const call of st.calls) {
    acc.callTarget = undefined;
    if (call.words.length > 0) acc.take(classifyWords(wordsOf(call), call.piped || readsFile(call)));
    else if (call.assigns.length > 0) acc.add('read', `sets shell variable ${call.assigns.join(', ')}`, 'shell');
    for (const r of call.redirects) {
      if (WRITING.has(r.op) && !HARMLESS_TARGETS.test(r.target)) acc.add('write', `${r.op} writes to ${r.target}`, 'shell');
    }
    if (acc.target === undefined && acc.callTarget && acc.callTarget !== 'shell') acc.target = acc.callTarget;
  }
  const { effect, reasons } = acc;
  const out: Verdict = { effect, reasons: effect === 'read' ? reasons : reasons.filter((r) => !ONLY_READS.test(r) && !r.startsWith('sets shell variable')), target: acc.target ?? 'shell' };
  if (acc.restoresInto !== undefined) out.restoresInto = acc.restoresInto;
  if (acc.createsDatabase !== undefined) out.createsDatabase = acc.createsDatabase;
  return out;
}

/** The parts of a statement's verdict folded so far. */
class Folded {
  effect: Effect = 'read';
  readonly reasons: string[] = [];
  target: Target | undefined;
  /** The current call's target while its parts agree: null once they differ, undefined before any part. */
  callTarget: Target | null | undefined;
  restoresInto: string | undefined;
  createsDatabase: string | undefined;

  take(v: Verdict): void {
    this.effect = worse(this.effect, v.effect);
    for (const r of v.reasons) if (!this.reasons.includes(r)) this.reasons.push(r);
    if (this.restoresInto === undefined) this.restoresInto = v.restoresInto;
    if (this.createsDatabase === undefined) this.createsDatabase = v.createsDatabase;
    this.agree(v.target);
  }

  /** A part with one reason: a variable set, a file written. */
  add(effect: Effect, reason: string, target: Target): void {
    this.effect = worse(this.effect, effect);
    if (!this.reasons.includes(reason)) this.reasons.push(reason);
    this.agree(target);
  }

  private agree(target: Target): void {
    this.callTarget = this.callTarget === undefined ? target : this.callTarget === target ? this.callTarget : null;
  }
}

function wordsOf(call: ShCall): string[] {
  const out = new Array<string>(call.words.length);
  for (let i = 0; i < out.length; i++) out[i] = call.words[i]!.value;
  return out;
}

/** Input redirected from a file (`psql db < dump.sql`) is input like a pipe. */
function readsFile(call: ShCall): boolean {
  for (const r of call.redirects) if (r.op === '<') return true;
  return false;
}
