import type { Actor } from '../identity/index.js';
import { roleAllows } from '../identity/index.js';
import type { Effect } from '../runbooks/index.js';
import type { Approval } from './types.js';

/** What the person said before a step runs. */
export interface Confirmation {
  /** Typed at the prompt: `yes` for a write, the target's name (key, database, path, service) for a destructive step. */
  confirm?: string;
  /** `--yes` on the command line: confirms write and unknown steps, never a destructive one. */
  yes?: boolean;
}

export interface GateSettings {
  /** The step is listed under `procedures[…].pre_approved`. */
  preApproved: boolean;
  /** What a destructive confirmation must name. */
  expected: string;
}

export type Decision =
  | { allowed: true; approval: Approval }
  | { allowed: false; code: 'OPSBOOK_E_FORBIDDEN' | 'OPSBOOK_E_EXECUTION_CONFIRM'; reason: string };

/**
 * The safety gate, as a pure function (docs/security.md has the matrix). A viewer runs nothing.
 * A responder or admin runs `read` steps on request; confirms `write` and `unknown` ones with `yes`
 * (or `--yes`); types the target's name for a `destructive` one — `--yes` is not enough there,
 * so no flag in a script or shell history can destroy by itself. A pre-approved step needs no
 * confirmation but still a responder; opsbook's own unattended runs act as a system admin.
 */
export function authorise(effect: Effect, actor: Actor, confirmation: Confirmation, settings: GateSettings): Decision {
  const approval = (how: Approval['how']): Decision => ({ allowed: true, approval: { how, by: actor.name, role: actor.role } });
  if (!roleAllows(actor.role, 'responder')) {
    return { allowed: false, code: 'OPSBOOK_E_FORBIDDEN', reason: `${actor.name} (${actor.role}) may run no step: running a ${effect} step needs the responder role` };
  }
  if (effect === 'read') return approval('read');
  if (settings.preApproved) return approval('pre_approved');
  const typed = confirmation.confirm?.trim();
  if (effect === 'destructive') {
    if (typed !== undefined && typed === settings.expected.trim()) return approval('confirmed');
    const said = typed ? ` (got "${typed}")` : confirmation.yes ? ' (--yes does not confirm a destructive step)' : '';
    return { allowed: false, code: 'OPSBOOK_E_EXECUTION_CONFIRM', reason: `destructive step: type its target "${settings.expected}" to confirm (--confirm on the command line); --yes is not enough${said}` };
  }
  if (confirmation.yes) return approval('yes');
  if (typed !== undefined && (/^(y|yes)$/i.test(typed) || typed === settings.expected.trim())) return approval('confirmed');
  return { allowed: false, code: 'OPSBOOK_E_EXECUTION_CONFIRM', reason: `${effect === 'write' ? 'this step changes the system' : 'opsbook cannot tell what this step does'}: confirm with "yes", or pass --yes` };
}
