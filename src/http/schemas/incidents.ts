import { z } from 'zod';
import { INCIDENT_STATES } from '../../incidents/index.js';

/** Response schemas of the incident, change, silence and maintenance routes, from the incidents domain's types. */

const labels = z.record(z.string(), z.string());
const onEnd = z.enum(['notify_if_firing', 'drop']);
export const matcher = z.object({ label: z.string(), op: z.enum(['=', '!=', '=~', '!~']), value: z.string() });

export const suppression = z.object({
  kind: z.enum(['maintenance', 'silence']),
  id: z.string(),
  until: z.number().describe('When this window or silence stops suppressing'),
  onEnd,
  comment: z.string().optional(),
  warning: z.string().optional().describe('A silence\'s: set when it takes in more than a new one may (stored before opsbook refused such silences), saying what it takes in and how to narrow it'),
});

export const incident = z.object({
  id: z.string(),
  title: z.string(),
  state: z.enum(INCIDENT_STATES),
  severity: z.string(),
  service: z.string().optional(),
  source: z.enum(['alert', 'manual']),
  openedAt: z.number(),
  updatedAt: z.number(),
  acknowledgedAt: z.number().optional(),
  resolvedAt: z.number().optional(),
  responseDueAt: z.number().optional(),
  labels,
  runbook: z.string().optional().describe('FILE#ID of the linked procedure'),
  createdBy: z.string(),
  reopened: z.number().int(),
  heldBy: suppression.optional().describe('Set while its notification is held back by a window or silence'),
});

export const incidentAlert = z.object({
  incidentId: z.string(),
  dedupKey: z.string(),
  ruleId: z.string(),
  state: z.enum(['firing', 'resolved']),
  severity: z.string(),
  labels,
  annotations: z.record(z.string(), z.string()),
  runbook: z.string().optional(),
  value: z.number().optional(),
  firstFiredAt: z.number(),
  lastFiredAt: z.number(),
  resolvedAt: z.number().optional(),
});

export const timelineEntry = z.object({
  id: z.string(),
  incidentId: z.string(),
  at: z.number(),
  kind: z.enum(['alert', 'status', 'note', 'notification', 'delivery', 'change', 'suppressed', 'escalation', 'execution']),
  actor: z.string(),
  text: z.string(),
  data: z.record(z.string(), z.unknown()),
  executionId: z.string().optional().describe('For kind execution: the runbook execution the line is about (GET /api/executions/ID); a step line\'s transcript entry is data.entryId'),
});

export const delivery = z.object({
  id: z.string(),
  outbox_id: z.string(),
  channel_id: z.string(),
  incident_id: z.string().nullable(),
  attempt: z.number().int(),
  at: z.number(),
  outcome: z.string().describe('delivered | retry | dead | superseded | cancelled'),
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
  detail: z.string().nullable(),
  duration_ms: z.number(),
});

export const change = z.object({
  id: z.string(),
  at: z.number(),
  kind: z.enum(['deploy', 'rollback', 'config', 'other']),
  service: z.string().optional(),
  summary: z.string(),
  actor: z.string(),
  data: z.record(z.string(), z.unknown()),
});

export const silence = z.object({
  id: z.string(),
  matchers: z.array(matcher),
  startsAt: z.number(),
  endsAt: z.number(),
  createdBy: z.string(),
  comment: z.string(),
  onEnd,
  origin: z.enum(['config', 'runtime']),
  warning: z.string().optional().describe('Set on a stored silence that takes in more than a new one may (made before opsbook refused such silences; it still applies): what it takes in and how to narrow it'),
});

export const incidentEffect = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('notify'), incidentId: z.string(), event: z.enum(['opened', 'reopened', 'severity_raised', 'resolved', 'released']), severity: z.string(), suppressedBy: suppression.optional(), by: z.string().optional() }),
  z.object({ kind: z.literal('start_escalation'), incidentId: z.string(), severity: z.string(), openedAt: z.number(), responseDueAt: z.number().optional() }),
  z.object({ kind: z.literal('stop_escalation'), incidentId: z.string(), reason: z.enum(['acknowledged', 'resolved']), by: z.string() }),
]);

export const maintenanceWindow = z.object({
  id: z.string(),
  start: z.number().optional().describe('One-off window start (epoch ms)'),
  end: z.number().optional(),
  cron: z.string().optional().describe('Recurring: each opening'),
  durationMs: z.number().optional(),
  timeZone: z.string(),
  services: z.array(z.string()),
  matchers: z.array(matcher),
  onEnd,
  comment: z.string().optional(),
  active: z.boolean().describe('Holds back notifications now'),
  active_until: z.number().optional(),
});
