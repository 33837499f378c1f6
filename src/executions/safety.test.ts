/**
 * The safety gate's whole role × effect × confirmation matrix, as docs/security.md states it:
 * a viewer runs nothing; a responder (or admin) runs read steps on request, confirms write and
 * unknown ones with `yes` or `--yes`, and types the target's name for a destructive one (`--yes`
 * is not enough); pre-approved steps need no confirmation but still a responder; opsbook's own
 * unattended runs act as a system admin and run only read or pre-approved steps.
 */
import { describe, expect, it } from 'vitest';
import type { Actor } from '../identity/index.js';
import { systemActor } from '../identity/index.js';
import type { Effect } from '../runbooks/index.js';
import { authorise, type Confirmation } from './safety.js';

const viewer: Actor = { name: 'vic', role: 'viewer', via: 'cli' };
const responder: Actor = { name: 'ana', role: 'responder', via: 'cli' };
const admin: Actor = { name: 'root', role: 'admin', via: 'token' };
const TARGET = 'nova:email:failed';
const gate = { preApproved: false, expected: TARGET };

type Said = 'nothing' | 'typed yes' | '--yes' | 'typed target' | 'typed other';
const SAID: Record<Said, Confirmation> = {
  nothing: {},
  'typed yes': { confirm: 'yes' },
  '--yes': { yes: true },
  'typed target': { confirm: ` ${TARGET} ` },
  'typed other': { confirm: 'nova:webhook:failed' },
};

/** What the documented matrix says, for a responder or an admin. */
function expected(effect: Effect, said: Said): 'read' | 'confirmed' | 'yes' | 'OPSBOOK_E_EXECUTION_CONFIRM' {
  if (effect === 'read') return 'read';
  if (effect === 'destructive') return said === 'typed target' ? 'confirmed' : 'OPSBOOK_E_EXECUTION_CONFIRM';
  if (said === '--yes') return 'yes';
  return said === 'typed yes' || said === 'typed target' ? 'confirmed' : 'OPSBOOK_E_EXECUTION_CONFIRM';
}

const EFFECTS: Effect[] = ['read', 'unknown', 'write', 'destructive'];

describe('authorise: role × effect × confirmation', () => {
  for (const effect of EFFECTS) {
    for (const said of Object.keys(SAID) as Said[]) {
      it(`${effect}, ${said}: viewer refused; responder and admin → ${expected(effect, said)}`, () => {
        expect(authorise(effect, viewer, SAID[said], gate)).toMatchObject({ allowed: false, code: 'OPSBOOK_E_FORBIDDEN' });
        for (const actor of [responder, admin]) {
          const d = authorise(effect, actor, SAID[said], gate);
          const want = expected(effect, said);
          if (want.startsWith('OPSBOOK_E_')) expect(d).toMatchObject({ allowed: false, code: want });
          else expect(d).toEqual({ allowed: true, approval: { how: want, by: actor.name, role: actor.role } });
        }
      });
    }
  }

  it('a destructive refusal names the target to type, and says --yes is not enough', () => {
    const d = authorise('destructive', responder, { yes: true }, gate);
    expect(d.allowed).toBe(false);
    expect(!d.allowed && d.reason).toMatch(new RegExp(`type its target "${TARGET}".*--yes`));
  });

  it('pre-approved steps run without a confirmation for responders, admins and opsbook’s scheduler; never for a viewer', () => {
    const pre = { ...gate, preApproved: true };
    for (const effect of ['write', 'unknown', 'destructive'] as const) {
      for (const actor of [responder, admin, systemActor('scheduler')]) {
        expect(authorise(effect, actor, {}, pre)).toMatchObject({ allowed: true, approval: { how: 'pre_approved' } });
      }
      expect(authorise(effect, viewer, {}, pre)).toMatchObject({ allowed: false, code: 'OPSBOOK_E_FORBIDDEN' });
    }
  });

  it('the unattended scheduler runs read steps and never an unapproved write', () => {
    expect(authorise('read', systemActor('scheduler'), {}, gate)).toMatchObject({ allowed: true });
    expect(authorise('write', systemActor('scheduler'), {}, gate)).toMatchObject({ allowed: false });
  });
});
