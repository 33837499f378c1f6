import { z } from 'zod';
import type { CheckKindSchema } from '../../types.js';

export const rabbitmqOptions = z.object({
  url: z.string().regex(/^amqps?:\/\//, { error: 'must be an amqp:// or amqps:// URL' }).describe('amqp:// URL with credentials and vhost.'),
  queues: z
    .array(z.string().min(1))
    .default([])
    .describe('Queues whose depth and consumers become [MESSAGES:name] and [CONSUMERS:name]; [LENGTH] is their summed depth.'),
});
export type RabbitmqOptions = z.output<typeof rabbitmqOptions>;

/** What validating a rabbitmq check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const rabbitmqSchema: CheckKindSchema<RabbitmqOptions> = {
  kind: 'rabbitmq',
  options: rabbitmqOptions,
  placeholders: ['CONNECTED', 'RESPONSE_TIME', 'VERSION', 'MESSAGES', 'CONSUMERS', 'LENGTH'],
  defaultConditions: () => ['[CONNECTED] == true'],
};
