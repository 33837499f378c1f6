import { z } from 'zod';

/** Response schemas of the execution routes, written from the executions domain's types. */

const effect = z.enum(['read', 'write', 'destructive', 'unknown']);

export const plannedCommand = z.object({
  number: z.number().int(),
  text: z.string(),
  line: z.number().int(),
  target: z.string(),
  effect,
  reasons: z.array(z.string()),
  placeholders: z.array(z.string()),
  missing: z.array(z.string()),
  executor: z.enum(['shell', 'sql', 'redis', 'http']).nullable(),
  runnable: z.boolean(),
  why: z.string().optional(),
  skip: z.boolean().optional(),
  display: z.string().describe('What would run, parameters bound and secrets masked'),
  confirmation: z.string().optional().describe('What a destructive confirmation must name'),
});

export const plannedStep = z.object({
  number: z.number().int(),
  phase: z.string(),
  text: z.string(),
  line: z.number().int(),
  manual: z.boolean(),
  required: z.boolean(),
  preApproved: z.boolean(),
  effect,
  commands: z.array(plannedCommand),
});

export const plan = z.object({
  procedure: z.string(),
  file: z.string(),
  procedureId: z.string(),
  title: z.string(),
  service: z.string().optional(),
  incidentId: z.string().optional(),
  steps: z.array(plannedStep),
  parameters: z.array(z.object({ name: z.string(), shown: z.string(), secret: z.boolean(), source: z.enum(['person', 'config', 'incident', 'service', 'output']) })),
  missing: z.array(z.string()),
  timeoutMs: z.number(),
  unknownRequired: z.array(z.string()),
  problems: z.array(z.string()),
});

const state = z.enum(['running', 'passed', 'failed', 'incomplete', 'cancelled']);

export const transcriptEntry = z.object({
  id: z.string(),
  executionId: z.string(),
  seq: z.number().int(),
  step: z.number().int(),
  command: z.number().int(),
  kind: z.enum(['command', 'tick', 'note']),
  actor: z.string(),
  at: z.number(),
  durationMs: z.number().nullable(),
  target: z.string().nullable(),
  effect: z.string().nullable(),
  text: z.string(),
  status: z.enum(['running', 'ok', 'failed', 'timeout', 'cancelled', 'interrupted', 'refused', 'not_runnable', 'ticked', 'noted']),
  exitCode: z.number().int().nullable(),
  approval: z.object({ how: z.enum(['read', 'pre_approved', 'confirmed', 'yes']), by: z.string(), role: z.string() }).nullable(),
  stdout: z.string().describe('Cut at 64 KiB'),
  stderr: z.string(),
  stdoutBytes: z.number().int(),
  stderrBytes: z.number().int(),
  truncated: z.boolean(),
  data: z.record(z.string(), z.unknown()),
});

export const executionSummary = z.object({
  id: z.string(),
  procedure: z.string(),
  title: z.string(),
  service: z.string().nullable(),
  incidentId: z.string().nullable(),
  state,
  trigger: z.enum(['manual', 'cron']),
  startedBy: z.string(),
  startedAt: z.number(),
  finishedAt: z.number().nullable(),
});

export const outcome = z.object({ state: state.exclude(['running']), reasons: z.array(z.string()) });

export const stepRunResult = z.object({
  executionId: z.string(),
  step: z.number().int(),
  status: z.enum(['ok', 'partial', 'failed', 'timeout', 'cancelled', 'interrupted', 'refused', 'not_runnable']),
  reason: z.string().optional(),
  entries: z.array(transcriptEntry),
});
