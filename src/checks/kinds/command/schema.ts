import { z } from 'zod';
import type { CheckKindSchema } from '../../types.js';

export const commandOptions = z.object({
  command: z
    .union([z.array(z.string().min(1)).min(1), z.string().min(1)])
    .describe('Program and arguments as a list (run directly), or one string run by /bin/sh -c.'),
  cwd: z.string().optional().describe('Working directory.'),
  env: z.record(z.string(), z.string()).default({}).describe('Extra environment variables.'),
  max_output: z.int().min(0).max(10_000_000).default(65_536).describe('Bytes of stdout/stderr kept (default 64 KiB).'),
});
export type CommandOptions = z.output<typeof commandOptions>;

/** What validating a command check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const commandSchema: CheckKindSchema<CommandOptions> = {
  kind: 'command',
  options: commandOptions,
  placeholders: ['EXIT_CODE', 'STDOUT', 'STDERR', 'VALUE', 'RESPONSE_TIME'],
  defaultConditions: () => ['[EXIT_CODE] == 0'],
};
