import { z } from 'zod';
import type { CheckKindSchema } from '../../types.js';

export const postgresOptions = z.object({
  url: z.string().regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// URL' }).describe('postgres:// URL to connect to.'),
  query: z
    .string()
    .min(1)
    .optional()
    .describe('Read-only query whose first column of the first row becomes [VALUE] (default SELECT 1).'),
});
export type PostgresOptions = z.output<typeof postgresOptions>;

/** What validating a postgres check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const postgresSchema: CheckKindSchema<PostgresOptions> = {
  kind: 'postgres',
  options: postgresOptions,
  placeholders: ['CONNECTED', 'VALUE', 'ROWS', 'RESPONSE_TIME'],
  defaultConditions: () => ['[CONNECTED] == true'],
};
