import type { Actor } from '../identity/index.js';
import { roleAllows } from '../identity/index.js';
import type { Effect } from '../runbooks/index.js';
import type { Approval } from './types.js';

/** What the person said before a step runs. */
export interface Confirmation {
  /** Typed at the prompt: `yes` for a write, the target's name (key, database, path, service) for a destructive step. */
  confirm?: string;
  /** `--yes` on the command line. */
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
 * The safety gate, as a pure function. `read` runs on request (any role); `write` and `unknown`
 * need a responder's confirmation (`yes`, or `--yes`); `destructive` needs a responder who types
 * the target's name, or `--yes`. A pre-approved step needs no confirmation but still a responder,
 * except for opsbook's own unattended runs (system actors hold the admin role).
 */
export function authorise(effect: Effect, actor: Actor, confirmation: Confirmation, settings: GateSettings): Decision {
  const approval = (how: Approval['how']): Decision => ({ allowed: true, approval: { how, by: actor.name, role: actor.role } });
  if (effect === 'read') return approval('read');
  if (!roleAllows(actor.role, 'responder')) {
    return { allowed: false, code: 'OPSBOOK_E_FORBIDDEN', reason: `${actor.name} (${actor.role}) may run only read steps; a ${effect} step needs the responder role` };
  }
  if (settings.preApproved) return approval('pre_approved');
  const typed = confirmation.confirm?.trim();
  if (effect === 'destructive') {
    if (confirmation.yes) return approval('yes');
    if (typed !== undefined && typed === settings.expected.trim()) return approval('confirmed');
    const said = typed ? ` (got "${typed}")` : '';
    return { allowed: false, code: 'OPSBOOK_E_EXECUTION_CONFIRM', reason: `destructive step: confirm by typing its target "${settings.expected}", or pass --yes${said}` };
  }
  if (confirmation.yes) return approval('yes');
  if (typed !== undefined && (/^(y|yes)$/i.test(typed) || typed === settings.expected.trim())) return approval('confirmed');
  return { allowed: false, code: 'OPSBOOK_E_EXECUTION_CONFIRM', reason: `${effect === 'write' ? 'this step changes the system' : 'opsbook cannot tell what this step does'}: confirm with "yes", or pass --yes` };
}
