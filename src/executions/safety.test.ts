import { describe, expect, it } from 'vitest';
import type { Actor } from '../identity/index.js';
import { systemActor } from '../identity/index.js';
import { authorise } from './safety.js';

const viewer: Actor = { name: 'vic', role: 'viewer', via: 'cli' };
const responder: Actor = { name: 'ana', role: 'responder', via: 'cli' };
const admin: Actor = { name: 'root', role: 'admin', via: 'token' };
const gate = { preApproved: false, expected: 'nova:email:failed' };

describe('authorise', () => {
  it('runs read steps on request, for any role, without a confirmation', () => {
    for (const actor of [viewer, responder, admin]) {
      expect(authorise('read', actor, {}, gate)).toEqual({ allowed: true, approval: { how: 'read', by: actor.name, role: actor.role } });
    }
  });

  it('refuses write, unknown and destructive steps to a viewer, even confirmed or with --yes', () => {
    for (const effect of ['write', 'unknown', 'destructive'] as const) {
      const d = authorise(effect, viewer, { yes: true, confirm: 'nova:email:failed' }, gate);
      expect(d).toMatchObject({ allowed: false, code: 'OPSBOOK_E_FORBIDDEN' });
    }
  });

  it('needs a confirmation for write and unknown steps: yes, or --yes', () => {
    for (const effect of ['write', 'unknown'] as const) {
      expect(authorise(effect, responder, {}, gate)).toMatchObject({ allowed: false, code: 'OPSBOOK_E_EXECUTION_CONFIRM' });
      expect(authorise(effect, responder, { confirm: 'no' }, gate)).toMatchObject({ allowed: false });
      expect(authorise(effect, responder, { confirm: 'yes' }, gate)).toMatchObject({ allowed: true, approval: { how: 'confirmed' } });
      expect(authorise(effect, responder, { confirm: 'Y' }, gate)).toMatchObject({ allowed: true, approval: { how: 'confirmed' } });
      expect(authorise(effect, responder, { yes: true }, gate)).toMatchObject({ allowed: true, approval: { how: 'yes' } });
    }
  });

  it('needs a destructive confirmation that names the target; "yes" is not enough', () => {
    expect(authorise('destructive', responder, {}, gate)).toMatchObject({ allowed: false, code: 'OPSBOOK_E_EXECUTION_CONFIRM' });
    expect(authorise('destructive', responder, { confirm: 'yes' }, gate)).toMatchObject({ allowed: false });
    expect(authorise('destructive', responder, { confirm: 'nova:webhook:failed' }, gate)).toMatchObject({ allowed: false });
    const wrong = authorise('destructive', responder, { confirm: 'nova:webhook:failed' }, gate);
    expect(!wrong.allowed && wrong.reason).toContain('nova:email:failed');
    expect(authorise('destructive', responder, { confirm: ' nova:email:failed ' }, gate)).toMatchObject({ allowed: true, approval: { how: 'confirmed', by: 'ana' } });
    expect(authorise('destructive', admin, { yes: true }, gate)).toMatchObject({ allowed: true, approval: { how: 'yes', role: 'admin' } });
  });

  it('lets pre-approved steps run without a confirmation, for responders and opsbook’s scheduler', () => {
    const pre = { ...gate, preApproved: true };
    for (const effect of ['write', 'unknown', 'destructive'] as const) {
      expect(authorise(effect, responder, {}, pre)).toMatchObject({ allowed: true, approval: { how: 'pre_approved' } });
      expect(authorise(effect, systemActor('scheduler'), {}, pre)).toMatchObject({ allowed: true, approval: { how: 'pre_approved' } });
      expect(authorise(effect, viewer, {}, pre)).toMatchObject({ allowed: false, code: 'OPSBOOK_E_FORBIDDEN' });
    }
  });

  it('never lets the unattended scheduler run an unapproved write', () => {
    expect(authorise('write', systemActor('scheduler'), {}, gate)).toMatchObject({ allowed: false });
  });
});
