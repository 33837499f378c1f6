import { z } from 'zod';
import { parseRuleCondition } from '../../alerts/condition.js';
import { templateProblems } from '../../alerts/template.js';
import type { AlertRule } from '../../alerts/types.js';
import { isOpsbookError } from '../../lib/errors/index.js';
import { duration, id, labels, pushIssue } from './common.js';

/** A severity id on the ladder: `P1`, `SEV2`, `critical` … (case kept). */
export const severityId = () =>
  z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: 'must be a severity id such as P1' })
    .max(40);

/** `severity:` on a check or rule: one id, or one per level. */
export const severityMap = z
  .union([
    severityId(),
    z.strictObject({
      warning: severityId().optional().describe('Severity when the check is at warning (default P3).'),
      critical: severityId().optional().describe('Severity when the check is critical (default P1).'),
    }),
  ])
  .describe('Severity: one id (P2), or per level ({ warning: P3, critical: P1 }).');

const annotation = z
  .string()
  .superRefine((text, ctx) => {
    for (const problem of templateProblems(text)) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', problem, text);
  })
  .describe('Annotation text; {{ value }} and {{ labels.NAME }} are filled in when the alert fires.');

const rule = z
  .strictObject({
    id: id().describe('Rule id; part of every alert’s dedup key.'),
    check: id().describe('The check whose results the rule reads.'),
    condition: z
      .string()
      .min(1)
      .optional()
      .describe('When the rule holds, e.g. "value > 1000" ([VALUE], [LATENCY], [LEVEL], [STATUS]); absent: the check’s level.'),
    for: duration({ max: '7d' }).prefault('0').describe('How long the condition must hold before the alert fires (default 0).'),
    keep_firing_for: duration({ max: '7d' }).prefault('0').describe('How long the alert keeps firing after the condition stops (default 0).'),
    labels: labels().describe('Labels added to the alert (and its dedup key).'),
    annotations: z
      .record(z.string().regex(/^[a-z_][a-z0-9_]*$/), annotation)
      .default({})
      .describe('summary, description …; {{ value }} and {{ labels.NAME }} are filled in.'),
    runbook: z
      .string()
      .regex(/^[^#\s]+#[^#\s]+$/, { error: 'must be a procedure reference FILE#ID, e.g. runbooks/api.md#high-queue-depth' })
      .optional()
      .describe('Procedure to show the responder, FILE#ID.'),
    severity: severityMap.optional(),
  })
  .transform((r, ctx): AlertRule => {
    let condition: AlertRule['condition'];
    if (r.condition !== undefined) {
      try {
        condition = parseRuleCondition(r.condition);
      } catch (e) {
        if (!isOpsbookError(e)) throw e;
        pushIssue(ctx, 'OPSBOOK_E_CHECK_CONDITION', e.message, r.condition, ['condition']);
        return z.NEVER;
      }
    }
    return {
      id: r.id,
      checkId: r.check,
      ...(condition ? { condition } : {}),
      forMs: r.for,
      keepFiringForMs: r.keep_firing_for,
      labels: r.labels,
      annotations: r.annotations,
      ...(r.runbook ? { runbook: r.runbook } : {}),
      severity: typeof r.severity === 'string' ? { warning: r.severity, critical: r.severity } : (r.severity ?? {}),
      implicit: false,
    };
  });

/** `rules:` — alert rules over check results; every check is also an implicit rule on its level. */
export const rulesSection = z.array(rule).default([]).describe('Alert rules over check results (conditions with for:, labels, annotations).');
