import { z } from 'zod';
import type { CheckKindSchema } from '../../types.js';

const jsName = z.string().regex(/^[^\s.*>/]+$/, { error: 'must be a JetStream name (no spaces, dots, slashes, * or >)' });

export const natsOptions = z.object({
  url: z.string().regex(/^(nats|tls):\/\//, { error: 'must be a nats:// or tls:// URL' }).describe('nats:// URL of one server.'),
  user: z.string().min(1).optional().describe('User name, with password.'),
  password: z.string().min(1).optional().describe('Password for user.'),
  token: z.string().min(1).optional().describe('Authentication token.'),
  streams: z
    .array(jsName)
    .default([])
    .describe('JetStream streams whose state becomes [STREAM_MESSAGES:name], [STREAM_BYTES:name], [STREAM_CONSUMERS:name].'),
  consumers: z
    .array(z.strictObject({ stream: jsName.describe('Stream name.'), consumer: jsName.describe('Durable consumer name.') }))
    .default([])
    .describe('JetStream consumers whose [PENDING:stream/consumer], [ACK_PENDING:…], [REDELIVERED:…], [WAITING:…] are read; [LENGTH] sums PENDING.'),
});
export type NatsOptions = z.output<typeof natsOptions>;

/** What validating a nats check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const natsSchema: CheckKindSchema<NatsOptions> = {
  kind: 'nats',
  options: natsOptions,
  validate: (c) => (c.password !== undefined && c.user === undefined ? 'password needs user' : undefined),
  placeholders: [
    'CONNECTED', 'RESPONSE_TIME', 'RTT', 'VERSION', 'JETSTREAM',
    'STREAM_MESSAGES', 'STREAM_BYTES', 'STREAM_CONSUMERS', 'PENDING', 'ACK_PENDING', 'REDELIVERED', 'WAITING', 'LENGTH',
  ],
  defaultConditions: () => ['[CONNECTED] == true'],
};
