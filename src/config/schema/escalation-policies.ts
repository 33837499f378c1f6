import { z } from 'zod';
import type { EscalationPolicy, EscalationTarget } from '../../oncall/types.js';
import { duration, id } from './common.js';

const target = z.union([
  z.strictObject({ user: id().describe('A person from users:.') }),
  z.strictObject({ schedule: id().describe('A schedule id: whoever is on call when the step fires.') }),
  z.strictObject({ channel: id().describe('A channel id: a Slack channel, webhook, mailing list …') }),
], { error: 'must be one of { user: NAME }, { schedule: ID } or { channel: ID }' });

const step = z.strictObject({
  targets: z
    .array(target)
    .min(1)
    .describe('Who this step notifies: { user: NAME }, { schedule: ID } or { channel: ID }.'),
  timeout: duration({ min: '1m', max: '7d' }).describe('How long to wait for an acknowledgement before the next step.'),
});

const policy = z
  .strictObject({
    id: id().describe('Policy id; severities and services refer to it.'),
    name: z.string().optional().describe('Display name.'),
    steps: z.array(step).min(1).describe('Steps notified in order until someone acknowledges.'),
    repeat: z.number().int().min(0).max(20).default(0).describe('Extra rounds through all steps after the first (default 0).'),
    escalate_on_response_target: z
      .boolean()
      .default(true)
      .describe("Go to the next step at once when the severity's response target passes unacknowledged."),
  })
  .transform(
    (p): EscalationPolicy => ({
      id: p.id,
      ...(p.name ? { name: p.name } : {}),
      steps: p.steps.map((s) => ({ targets: s.targets as EscalationTarget[], timeoutMs: s.timeout })),
      repeat: p.repeat,
      escalateOnResponseTarget: p.escalate_on_response_target,
    }),
  );

/** `escalation_policies:` — ordered steps, each with targets and a timeout, repeated `repeat` times. */
export const escalationPoliciesSection = z.array(policy).default([]);
