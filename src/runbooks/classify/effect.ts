import type { Effect, Target } from '../model.js';

const RANK: Record<Effect, number> = { read: 0, unknown: 1, write: 2, destructive: 3 };

/**
 * The more dangerous of two effects. `unknown` ranks between read and write: it is handled like a
 * write by the executor, but a known write says more than "we could not tell".
 */
export function worse(a: Effect, b: Effect): Effect {
  return RANK[b] > RANK[a] ? b : a;
}

export function worst(effects: Iterable<Effect>, empty: Effect = 'read'): Effect {
  let out: Effect | undefined;
  for (const e of effects) out = out === undefined ? e : worse(out, e);
  return out ?? empty;
}

/** The result of classifying one command or one program invocation. */
export interface Verdict {
  effect: Effect;
  reasons: string[];
  target: Target;
  /** The database a restore writes into (a dump loaded with psql or pg_restore). */
  restoresInto?: string;
  /** The database the command creates (createdb, CREATE DATABASE). */
  createsDatabase?: string;
}

export function verdict(effect: Effect, reason: string, target: Target): Verdict {
  return { effect, reasons: [reason], target };
}

/** Combine verdicts of the parts of one command (pipeline members, loop bodies…). */
export function combine(parts: Verdict[], target: Target): Verdict {
  if (parts.length === 0) return { effect: 'read', reasons: [], target };
  let effect = parts[0]!.effect;
  // The parts' target when they all share one.
  let only: Target | undefined = parts[0]!.target;
  const reasons: string[] = [];
  for (const p of parts) {
    effect = worse(effect, p.effect);
    if (p.target !== only) only = undefined;
    for (const r of p.reasons) if (!reasons.includes(r)) reasons.push(r);
  }
  const out: Verdict = { effect, reasons, target: only ?? target };
  const restore = parts.find((p) => p.restoresInto !== undefined)?.restoresInto;
  const created = parts.find((p) => p.createsDatabase !== undefined)?.createsDatabase;
  if (restore !== undefined) out.restoresInto = restore;
  if (created !== undefined) out.createsDatabase = created;
  return out;
}
