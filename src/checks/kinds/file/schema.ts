import path from 'node:path';
import { z } from 'zod';
import { duration } from '../../../lib/schema-fields.js';
import type { CheckKindSchema } from '../../types.js';

export const fileOptions = z.object({
  path: z
    .string()
    .min(1)
    .refine((p) => !/[*?[]/.test(path.dirname(p)), { error: 'wildcards are allowed in the file name only (e.g. /backups/postgresql/*.sql.gz)' })
    .describe('A file, or a glob in the last path segment: /backups/postgresql/*.sql.gz.'),
  max_age: duration({ min: '1s' }).optional().describe('The newest match must be younger than this (adds [AGE] < max_age).'),
  min_size: z.int().min(0).optional().describe('The newest match must be at least this many bytes (adds [SIZE] >= min_size).'),
  max_oldest_age: duration({ min: '1s' })
    .optional()
    .describe('The oldest match must be younger than this: old files are cleaned up, e.g. logs kept 30 days (adds [OLDEST_AGE] < max_oldest_age).'),
});
export type FileOptions = z.output<typeof fileOptions>;

/** What validating a file check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const fileSchema: CheckKindSchema<FileOptions> = {
  kind: 'file',
  options: fileOptions,
  placeholders: ['AGE', 'SIZE', 'FILES', 'PATH', 'OLDEST_AGE', 'OLDEST_PATH'],
  defaultConditions: (c) => [
    '[FILES] > 0',
    ...(c.max_age !== undefined ? [`[AGE] < ${c.max_age}ms`] : []),
    ...(c.min_size !== undefined ? [`[SIZE] >= ${c.min_size}`] : []),
    ...(c.max_oldest_age !== undefined ? [`[OLDEST_AGE] < ${c.max_oldest_age}ms`] : []),
  ],
};
