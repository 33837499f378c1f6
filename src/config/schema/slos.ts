import { z } from 'zod';
import { duration, id, labels, pushIssue } from './common.js';
import { severityId } from './rules.js';
import { timeZone } from './severities.js';

/**
 * `slos:` — service level objectives measured from check history, their error budgets and
 * multi-window, multi-burn-rate alerts (Google SRE workbook), and recovery-point targets.
 */

/** `99.9%`, `99.9` (percent) → 0.999. */
const objective = () =>
  z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const text = String(v).trim();
      const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text);
      const pct = m ? Number(m[1]) : NaN;
      if (!(pct > 0 && pct < 100)) {
        pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `must be a percentage between 0 and 100 such as 99.9% (got "${text}")`, v);
        return z.NEVER;
      }
      return Number((pct / 100).toPrecision(12)); // 99.9 / 100 is 0.9990000000000001
    })
    .describe('Target share of good events, e.g. 99.9% (a percentage).');

const windowSpec = z
  .union([z.enum(['month', 'week']), duration({ min: '1h', max: '400d' })])
  .describe('Rolling window (30d, 28d) or calendar window (month, week — weeks start on Monday).');

const burnRateAlert = z.strictObject({
  urgency: z.enum(['page', 'ticket']).describe('page or ticket: picks the severity from severity.page / severity.ticket.'),
  long: duration({ min: '1m', max: '30d' }).describe('Long window: the budget must burn this fast over it (1h).'),
  short: duration({ min: '1m', max: '30d' }).describe('Short window confirming it still burns now (5m).'),
  burn_rate: z.number().positive().describe('Burn rate both windows must exceed: 14.4 spends 2% of a 30-day budget in 1h.'),
});

/** The workbook's defaults: 2% of a 30-day budget in 1h, 5% in 6h page; 10% in 1d or in 3d make a ticket. */
export const DEFAULT_BURN_RATE_ALERTS = [
  { urgency: 'page', long: '1h', short: '5m', burn_rate: 14.4 },
  { urgency: 'page', long: '6h', short: '30m', burn_rate: 6 },
  { urgency: 'ticket', long: '1d', short: '2h', burn_rate: 3 },
  { urgency: 'ticket', long: '3d', short: '6h', burn_rate: 1 },
] as const;

const common = {
  id: id().describe('SLO id; part of its alerts’ dedup key.'),
  name: z.string().min(1).optional().describe('Display name.'),
  description: z.string().optional().describe('What the objective promises, in words.'),
  service: id().optional().describe('Service the objective belongs to (labels its alerts); default: its checks’ service when they all watch one.'),
  labels: labels().describe('Labels added to its alerts.'),
};

const measured = {
  ...common,
  objective: objective(),
  window: windowSpec.prefault('30d'),
  time_zone: timeZone().prefault('UTC').describe('Time zone of calendar windows (default UTC).'),
  alerts: z
    .union([z.literal(false), z.array(burnRateAlert)])
    .prefault([...DEFAULT_BURN_RATE_ALERTS])
    .describe('Burn-rate alerts; false for none (default: page 14.4× 1h/5m, 6× 6h/30m; ticket 3× 1d/2h, 1× 3d/6h).'),
  severity: z
    .strictObject({
      page: severityId().default('P2').describe('Severity of page alerts (default P2).'),
      ticket: severityId().default('P4').describe('Severity of ticket alerts (default P4).'),
    })
    .prefault({})
    .describe('Severity per urgency.'),
  runbook: z
    .string()
    .regex(/^[^#\s]+#[^#\s]+$/, { error: 'must be a procedure reference FILE#ID, e.g. runbooks/api.md#high-error-rate' })
    .optional()
    .describe('Procedure to show the responder, FILE#ID.'),
};

const checks = z.array(id()).min(1).describe('Checks whose results are the events (summed).');

const availability = z.strictObject({
  ...measured,
  kind: z.literal('availability').describe('Good = results that were up, over all results of the checks.'),
  checks,
});

const latency = z.strictObject({
  ...measured,
  objective: objective().optional(),
  kind: z.literal('latency').describe('Good = results faster than the threshold.'),
  checks,
  threshold: duration({ min: '1ms', max: '30s' }).describe('Latency a good result stays at or under; exact on a bucket bound (10, 25, 50, 100, 250, 500ms, 1s …).'),
  percentile: z
    .string()
    .regex(/^p\d{1,2}(\.\d+)?$/, { error: 'must be a percentile such as p95 or p99.9' })
    .optional()
    .describe('Percentile target: p95 with threshold 300ms means objective 95% under 300ms.'),
});

const errorRatio = z.strictObject({
  ...measured,
  kind: z.literal('error_ratio').describe('A metrics check whose value is the error ratio (ratio: {of, over}); good = 1 − value.'),
  check: id().describe('The metrics check reporting the error ratio as its value (0.001 = 0.1%).'),
});

const recoveryPoint = z.strictObject({
  ...common,
  kind: z.literal('recovery_point').describe('Recovery point: the age of the newest good backup, against a target.'),
  check: id().describe('A file check (age of the newest backup) or heartbeat check (time since the backup job reported).'),
  target: duration({ min: '1m', max: '400d' }).describe('RPO target: the newest backup is never older than this (1h).'),
});

const slo = z
  .discriminatedUnion('kind', [availability, latency, errorRatio, recoveryPoint])
  .superRefine((s, ctx) => {
    if (s.kind === 'latency' && s.objective === undefined && s.percentile === undefined) {
      pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', 'a latency SLO needs objective (95%) or percentile (p95)', s, ['objective']);
    }
    if (s.kind !== 'recovery_point' && s.alerts) {
      s.alerts.forEach((a, i) => {
        if (a.short > a.long) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `short window (${a.short} ms) must not be longer than the long one`, a, ['alerts', i, 'short']);
      });
    }
  });

export const slosSection = z.array(slo).default([]).describe('Service level objectives, error budgets, burn-rate alerts, recovery points.');

export type SloConfig = z.output<typeof slo>;
export type SloConfigInput = z.input<typeof slo>;
