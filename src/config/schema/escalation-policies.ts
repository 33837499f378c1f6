import { z } from 'zod';
import type { EscalationPolicy, EscalationTarget } from '../../oncall/types.js';
import { duration, id, pushIssue } from './common.js';
import { severityId } from './rules.js';

const target = z.union([
  z.strictObject({ user: id().describe('A person from users:.') }),
  z.strictObject({ schedule: id().describe('A schedule id: whoever is on call when the step fires.') }),
  z.strictObject({ channel: id().describe('A channel id: a Slack channel, webhook, mailing list …') }),
], { error: 'must be one of { user: NAME }, { schedule: ID } or { channel: ID }' });

const step = z
  .strictObject({
    targets: z
      .array(target)
      .min(1)
      .describe('Who this step notifies: { user: NAME }, { schedule: ID } or { channel: ID }.'),
    timeout: duration({ min: '1m', max: '7d' }).optional().describe('How long to wait for an acknowledgement before the next step (not for after_open steps).'),
    severities: z.array(severityId()).min(1).optional().describe('Only incidents of these severities take this step (default: all).'),
    after_open: duration({ max: '30d' })
      .optional()
      .describe('A timed step: notified once the incident has been open this long and is unresolved, even when acknowledged; 0s: as it opens, or as a raise brings it to one of the severities of the step.'),
  })
  .superRefine((s, ctx) => {
    if (s.timeout === undefined && s.after_open === undefined) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', 'is required (or after_open for a timed step)', s, ['timeout']);
    if (s.timeout !== undefined && s.after_open !== undefined) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', 'is not taken by a timed step (after_open)', s, ['timeout']);
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
      steps: p.steps.map((s) => ({
        targets: s.targets as EscalationTarget[],
        timeoutMs: s.timeout ?? 0,
        ...(s.severities ? { severities: s.severities } : {}),
        ...(s.after_open !== undefined ? { afterOpenMs: s.after_open } : {}),
      })),
      repeat: p.repeat,
      escalateOnResponseTarget: p.escalate_on_response_target,
    }),
  );

/** `escalation_policies:` — ordered steps, each with targets and a timeout, repeated `repeat` times. */
export const escalationPoliciesSection = z.array(policy).default([]);
