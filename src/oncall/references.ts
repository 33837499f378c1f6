import type { EscalationPolicy, Schedule } from './types.js';
import { didYouMean } from '../lib/suggest.js';

/** A reference from on-call config to something that does not exist, with its config path. */
export interface ReferenceIssue {
  path: string;
  message: string;
}

/**
 * Cross-section checks the section schemas cannot make alone: schedule and override users and
 * escalation step users exist in `users:`, step schedules in `schedules:`, step channels in
 * `channels:`. A list that is not given is not checked.
 */
export function checkOncallReferences(input: {
  schedules: readonly Schedule[];
  escalationPolicies: readonly EscalationPolicy[];
  users?: readonly string[];
  channels?: readonly string[];
}): ReferenceIssue[] {
  const issues: ReferenceIssue[] = [];
  const users = input.users ? new Set(input.users) : undefined;
  const channels = input.channels ? new Set(input.channels) : undefined;
  const schedules = new Set(input.schedules.map((s) => s.id));
  const user = (name: string, path: string): void => {
    if (users && !users.has(name)) issues.push({ path, message: `user "${name}" is not defined in users:${didYouMean(name, users)}` });
  };
  input.schedules.forEach((s, si) => {
    s.layers.forEach((l, li) => l.users.forEach((u, ui) => user(u, `schedules[${si}].layers[${li}].users[${ui}]`)));
    s.overrides.forEach((o, oi) => user(o.user, `schedules[${si}].overrides[${oi}].user`));
  });
  input.escalationPolicies.forEach((p, pi) => {
    p.steps.forEach((step, si) => {
      step.targets.forEach((t, ti) => {
        const path = `escalation_policies[${pi}].steps[${si}].targets[${ti}]`;
        if ('user' in t) user(t.user, `${path}.user`);
        else if ('schedule' in t) {
          if (!schedules.has(t.schedule)) issues.push({ path: `${path}.schedule`, message: `schedule "${t.schedule}" is not defined in schedules:${didYouMean(t.schedule, schedules)}` });
        } else if (channels && !channels.has(t.channel)) {
          issues.push({ path: `${path}.channel`, message: `channel "${t.channel}" is not defined in channels:${didYouMean(t.channel, channels)}` });
        }
      });
    });
  });
  return issues;
}
