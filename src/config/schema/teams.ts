import { z } from 'zod';
import { id } from './common.js';

/**
 * `teams:` — who owns what. A team's members see its services' incidents first; alerts of its
 * services page through its escalation policy; with `restrict_writes` only its members (and admins)
 * change its incidents.
 */
export const teamsSection = z
  .array(
    z.strictObject({
      id: id().describe('Team id.'),
      name: z.string().min(1).optional().describe('Display name; defaults to the id.'),
      members: z.array(z.string().min(1)).default([]).describe('Names of users (from `users:`) in the team. A person may be in several teams.'),
      services: z.array(z.string().min(1)).default([]).describe('Services (from `services:`) the team owns; a service has at most one owning team.'),
      schedules: z.array(z.string().min(1)).default([]).describe('On-call schedules (from `schedules:`) the team runs.'),
      escalation_policy: z
        .string()
        .min(1)
        .optional()
        .describe('The policy (from `escalation_policies:`) that pages for alerts of the team’s services, unless an alert names one with the label `escalation_policy`.'),
      restrict_writes: z
        .boolean()
        .default(false)
        .describe('When true, only the team’s members and admins may change its services’ incidents (acknowledge, resolve, notes, the review…), silences and runbook executions; others get 403.'),
    }),
  )
  .default([])
  .describe('Teams: members, the services, schedules and escalation policy they own.');
