import { z } from 'zod';
import { duration, id, labels, pushIssue, timeoutPastInterval } from './common.js';
import { CHECK_KIND_SCHEMAS, type CheckKindName } from '../../checks/kinds/schemas.js';

/** A check's timeout when none is written: 10s, or its interval when that is shorter. */
export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

/** The timeout a check runs with: as written, or the default cut to the interval (Prometheus' scrape_timeout rule). */
export function effectiveTimeout(check: { interval: number; timeout?: number | undefined }): number {
  return check.timeout ?? Math.min(DEFAULT_CHECK_TIMEOUT_MS, check.interval);
}

const conditionList = (what: string) =>
  z
    .preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(z.string().min(1)))
    .describe(what);

/** Keys every check has, whatever its kind. */
export const commonCheckKeys = {
  id: id().describe('Check id (unique); history, alerts and `opsbook check run ID` use it.'),
  name: z.string().min(1).optional().describe('Display name; defaults to the id.'),
  service: id().optional().describe('The service this check watches.'),
  labels: labels().describe('Labels carried onto results and alerts.'),
  interval: duration({ min: '1s', max: '1d' }).prefault('30s').describe('Time between runs, fixed rate (periodSeconds; default 30s).'),
  timeout: duration({ min: '10ms', max: '10m' })
    .optional()
    .describe('A run taking longer fails (default 10s, or the interval when shorter; not longer than the interval).'),
  initial_delay: duration({ max: '1d' }).prefault('0').describe('No run before this long after start (initialDelaySeconds; default 0).'),
  failure_threshold: z.int().min(1).max(100).default(3).describe('Consecutive worse results before the level rises (default 3).'),
  success_threshold: z.int().min(1).max(100).default(2).describe('Consecutive better results before it recovers (default 2: one good run between failures neither resolves nor re-opens).'),
  conditions: conditionList('All must hold for the check to be up (Gatus syntax); default per kind.').optional(),
  warning: conditionList('Any holding raises the level to warning, e.g. "[LENGTH] > 500".').default([]),
  critical: conditionList('Any holding raises the level to critical, e.g. "[LENGTH] > 1000".').default([]),
  runbook: z
    .string()
    .regex(/^[^#\s]+#[^#\s]+$/, { error: 'must be a procedure reference FILE#ID, e.g. runbooks/api.md#high-queue-depth' })
    .optional()
    .describe('Procedure to show the responder, FILE#ID.'),
};

const kindSchemas = (Object.keys(CHECK_KIND_SCHEMAS) as CheckKindName[]).map((name) =>
  z.strictObject({
    kind: z.literal(name).describe(`Check kind: ${name}.`),
    ...commonCheckKeys,
    ...CHECK_KIND_SCHEMAS[name].options.shape,
  }),
);

/** One check: common keys plus its kind's own options. */
export const checkSchema = z
  .discriminatedUnion('kind', kindSchemas as unknown as [(typeof kindSchemas)[number], ...(typeof kindSchemas)[number][]])
  .superRefine((check, ctx) => {
    if (check.timeout !== undefined && check.timeout > check.interval) {
      pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', timeoutPastInterval(check.timeout, check.interval), check.timeout, ['timeout']);
    }
    const kind = CHECK_KIND_SCHEMAS[check.kind as CheckKindName] as { validate?: (c: unknown) => string | undefined };
    // A kind's own rule sees the timeout the check will run with, written or not.
    const problem = kind.validate?.({ ...check, timeout: effectiveTimeout(check) });
    if (problem) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', problem, check);
  })
  .transform((check) => ({ ...check, timeout: effectiveTimeout(check) }));

/** `checks:` — probes run on a schedule. Conditions are parsed by `validateCheckConditions`. */
export const checksSection = z.array(checkSchema).default([]);

export type CheckConfigInput = z.input<typeof checkSchema>;
/** A check after validation: defaults filled, durations in milliseconds. */
export type CheckConfig = z.output<typeof checkSchema> & Record<string, unknown>;
