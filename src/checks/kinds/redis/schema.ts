import { z } from 'zod';
import type { CheckKindSchema } from '../../types.js';

export const redisOptions = z.object({
  url: z.string().regex(/^rediss?:\/\//, { error: 'must be a redis:// or rediss:// URL' }).describe('redis:// URL.'),
  info: z.string().min(1).optional().describe('An INFO field (used_memory, connected_clients) read into [VALUE].'),
  key: z.string().min(1).optional().describe('A key whose length, whatever its type, becomes [LENGTH] (e.g. nova:email:waiting, celery).'),
  pattern: z.string().min(1).optional().describe('A glob; [LENGTH] is the summed length of matching keys, [KEYS] their number.'),
  bullmq: z
    .strictObject({
      queue: z.string().min(1).describe('BullMQ queue name.'),
      prefix: z.string().min(1).default('bull').describe('BullMQ key prefix (default bull).'),
    })
    .optional()
    .describe('Read a BullMQ queue’s counts: [WAITING], [ACTIVE], [DELAYED], [FAILED], …'),
});
export type RedisOptions = z.output<typeof redisOptions>;

/** What validating a redis check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const redisSchema: CheckKindSchema<RedisOptions> = {
  kind: 'redis',
  options: redisOptions,
  placeholders: [
    'CONNECTED', 'RESPONSE_TIME', 'INFO', 'VALUE', 'LENGTH', 'KEYS', 'TYPE',
    'WAITING', 'PAUSED', 'ACTIVE', 'DELAYED', 'FAILED', 'COMPLETED', 'PRIORITIZED', 'WAITING_CHILDREN',
  ],
  defaultConditions: () => ['[CONNECTED] == true'],
};
