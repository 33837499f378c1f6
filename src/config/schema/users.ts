import { z } from 'zod';
import { id, pushIssue } from './common.js';

export const ROLES = ['viewer', 'responder', 'admin'] as const;
export const CONTACT_KINDS = ['email', 'sms', 'phone', 'slack', 'webhook'] as const;

const contact = z.strictObject({
  kind: z.enum(CONTACT_KINDS).describe('How to reach the person: email, sms, phone, slack or webhook.'),
  address: z.string().min(1).describe('Email address, phone number, Slack member id or webhook URL.'),
});

/** `users:` — people who sign in, respond and get paged. `name` is the id other config refers to. */
export const usersSection = z
  .array(
    z.strictObject({
      name: id().describe('Login name; schedules and escalation policies refer to it.'),
      email: z.email({ error: 'must be an email address' }).optional().describe('Email address, used to sign in and as the default contact.'),
      role: z
        .enum(ROLES)
        .prefault('viewer')
        .describe('viewer reads (plans and dry-runs too) and runs no step; responder acknowledges and runs steps (read on request, write confirmed with yes, destructive by typing its target); admin can do everything a responder can, plus administration.'),
      contact: z.array(contact).default([]).describe('Ways to page this person, tried in order.'),
      time_zone: z
        .string()
        .superRefine((tz, ctx) => {
          if (!isTimeZone(tz)) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be an IANA time zone such as Europe/Paris (got "${tz}")`, tz);
        })
        .optional()
        .describe('IANA time zone for showing shifts, e.g. Europe/Paris.'),
    }),
  )
  .default([])
  .describe('People: responders, admins and viewers.');

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
