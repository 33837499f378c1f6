import { z } from 'zod';
import type { CheckKindSchema } from '../../types.js';

export const mysqlOptions = z.object({
  url: z.string().regex(/^(mysql|mariadb):\/\//, { error: 'must be a mysql:// or mariadb:// URL' }).describe('mysql:// URL (MariaDB or MySQL).'),
  query: z
    .string()
    .min(1)
    .optional()
    .describe('Read-only query whose first column of the first row becomes [VALUE] (default SELECT 1).'),
  status: z
    .boolean()
    .default(false)
    .describe('Read SHOW GLOBAL STATUS into [STATUS] (e.g. [STATUS].Threads_running; default false).'),
});
export type MysqlOptions = z.output<typeof mysqlOptions>;

/** What validating a mysql check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const mysqlSchema: CheckKindSchema<MysqlOptions> = {
  kind: 'mysql',
  options: mysqlOptions,
  placeholders: ['CONNECTED', 'VALUE', 'ROWS', 'RESPONSE_TIME', 'VERSION', 'CONNECTIONS', 'MAX_CONNECTIONS', 'STATUS'],
  defaultConditions: () => ['[CONNECTED] == true'],
};
