import { z } from 'zod';

/** A procedure reference: `FILE#ID`, the runbook file and the reader's procedure id. */
export const PROCEDURE_REF_PATTERN = /^[^#\s]+#[a-z0-9][a-z0-9_.-]*$/;

/**
 * `procedures:` — settings per runbook procedure, keyed `FILE#ID`. Loose objects until the
 * execution domain defines the settings.
 */
export const proceduresSection = z
  .record(
    z
      .string()
      .regex(PROCEDURE_REF_PATTERN, { error: 'must be a procedure reference FILE#ID, e.g. runbooks/db.md#restore' })
      .meta({ title: 'FILE#ID' }),
    z.looseObject({}).describe('Settings for one procedure.'),
  )
  .default({})
  .describe('Settings per runbook procedure, keyed FILE#ID.');
