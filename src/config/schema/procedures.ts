import { z } from 'zod';
import { Cron } from 'croner';
import { duration, id, pushIssue } from './common.js';
import { timeZone } from './severities.js';

/**
 * A procedure reference: `FILE#ID`, the runbook file and the reader's procedure id. Ids are
 * matched case-insensitively (`runbooks/db.md#RB-002` and `…#rb-002` are the same procedure).
 */
export const PROCEDURE_REF_PATTERN = /^[^#\s]+#[a-z0-9][a-z0-9_.-]*$/i;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Where one parameter's value comes from. Secrets come from the environment or a file, never the runbook. */
const parameter = z
  .strictObject({
    value: z.string().optional().describe('A fixed value (not for secrets: use env or file).'),
    env: z.string().regex(ENV_NAME, { error: 'must be an environment variable name' }).optional().describe('Environment variable of the opsbook process that holds the value.'),
    file: z.string().min(1).optional().describe('File whose content (trailing newline removed) is the value, relative to the config directory.'),
    secret: z.boolean().default(false).describe('Mask the value in plans, transcripts, exports and the audit log.'),
    type: z.enum(['string', 'integer', 'number', 'name']).optional().describe('What a value must look like: integer, number, name (letters, digits, `._:@-`, not starting with `-`), or any string.'),
    pattern: z.string().min(1).optional().describe('A regular expression the whole value must match (checked before a step runs).'),
    option: z.boolean().default(false).describe('The value may begin with `-` where it stands as a shell argument (it is meant to be an option).'),
  })
  .superRefine((p, ctx) => {
    const sources = [p.value, p.env, p.file].filter((v) => v !== undefined).length;
    if (sources > 1) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', 'give at most one of value, env and file', p);
    if (p.pattern !== undefined) {
      try {
        new RegExp(p.pattern, 'u');
      } catch (e) {
        pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `is not a regular expression: ${(e as Error).message}`, p.pattern, ['pattern']);
      }
    }
    if (p.secret && p.value !== undefined) pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', 'a secret comes from env or file, never a value written in the config', p.value, ['value']);
  })
  .describe('Where one parameter’s value comes from: value, env or file.');

const stepSelector = z
  .union([z.number().int().min(1), z.string().min(1)])
  .describe('A step number as `opsbook run --dry-run` lists it (1, 2 …), or the step’s text.');

const settings = z
  .strictObject({
    service: id().optional().describe('Service whose postgres, redis, base_url and shell the steps talk to.'),
    cron: z.string().optional().describe('Run the procedure unattended at these times (all its steps must be read or pre_approved).'),
    time_zone: timeZone().prefault('UTC').describe('IANA time zone the cron is read in (default UTC).'),
    pre_approved: z.array(stepSelector).default([]).describe('Steps that run without a confirmation (by number or text).'),
    required: z.array(z.string().min(1)).default([]).describe('Checklist items / manual steps that must be ticked before the procedure passes (by text).'),
    timeout: duration({ min: '1s', max: '24h' }).optional().describe('Time limit of each command (default 60s).'),
    params: z
      .record(z.string().regex(/^[A-Za-z_][\w-]*$/, { error: 'must be a placeholder name such as pod-name or TOKEN' }).meta({ title: 'NAME' }), parameter)
      .default({})
      .describe('Values for the runbook’s placeholders, by name (`<pod-name>` → pod-name, `$TOKEN` → TOKEN).'),
    recovery_test: z
      .strictObject({
        rpo: duration({ min: '1s', max: '365d' }).describe('Recovery point objective: most data a restore may lose.'),
        rto: duration({ min: '1s', max: '365d' }).describe('Recovery time objective: longest a recovery may take (start of the run to its verification step).'),
      })
      .optional()
      .describe('Measure each run as a recovery test against these targets.'),
  })
  .superRefine((s, ctx) => {
    if (s.cron === undefined) return;
    try {
      new Cron(s.cron, { timezone: 'UTC', paused: true });
    } catch (e) {
      pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', `is not a cron expression: ${(e as Error).message}`, s.cron, ['cron']);
    }
  });

/** `procedures:` — settings per runbook procedure, keyed `FILE#ID`. */
export const proceduresSection = z
  .record(
    z
      .string()
      .regex(PROCEDURE_REF_PATTERN, { error: 'must be a procedure reference FILE#ID, e.g. runbooks/db.md#restore' })
      .meta({ title: 'FILE#ID' }),
    settings.describe('Settings for one procedure.'),
  )
  .default({})
  .describe('Settings per runbook procedure, keyed FILE#ID.');

/** One procedure's settings after validation (durations in milliseconds). */
export type ProcedureSettings = z.output<typeof settings>;
