import { z } from 'zod';
import { duration, id, mailboxAddress, pushIssue } from './common.js';

export const ROLES = ['viewer', 'responder', 'admin'] as const;
/** `phone` is the older spelling of `voice`. */
export const CONTACT_KINDS = ['email', 'sms', 'voice', 'phone', 'ntfy', 'webpush', 'slack', 'webhook'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

const contact = z
  .strictObject({
    kind: z.enum(CONTACT_KINDS).describe('How to reach the person: email, sms, voice (phone), ntfy, webpush, slack or webhook.'),
    address: z
      .string()
      .min(1)
      .optional()
      .describe('Email address, phone number (E.164), ntfy topic, Slack member id or webhook URL; webpush needs none (browsers subscribe).'),
  })
  .superRefine((c, ctx) => {
    if (c.kind !== 'webpush' && c.address === undefined) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `a ${c.kind} contact needs an address`, c, ['address']);
    else if (c.kind === 'email' && c.address !== undefined && mailboxAddress(c.address) === undefined) {
      pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be an email address for an email contact (got "${c.address}")`, c.address, ['address']);
    }
  });

/** What a rule's `via` may name: a contact kind, or `push` for ntfy and webpush together. */
export const RULE_VIA = [...CONTACT_KINDS, 'push'] as const;

const rule = z.strictObject({
  after: duration({ max: '1d' }).prefault('0m').describe('How long after the person is paged, still unacknowledged (default 0m: at once).'),
  via: z.array(z.enum(RULE_VIA)).min(1).describe('Contact kinds to use: email, sms, voice, ntfy, webpush, push (ntfy and webpush), slack, webhook.'),
});

const rules = z
  .array(rule)
  .min(1)
  .describe('Rules in order, e.g. [{after: 0m, via: [push]}, {after: 5m, via: [sms]}, {after: 10m, via: [voice]}].');

const notificationRules = z
  .strictObject({
    high: rules.optional().describe('Rules for high-urgency incidents (severities with urgency: high, the default).'),
    low: rules.optional().describe('Rules for low-urgency incidents; the high rules when absent.'),
  })
  .optional()
  .describe('How this person is paged once an escalation step reaches them; without rules every contact is used at once.');

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
      notification_rules: notificationRules,
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
