import { z } from 'zod';
import { duration } from '../../../lib/schema-fields.js';
import type { CheckKindSchema } from '../../types.js';

export const mqttOptions = z.object({
  url: z
    .string()
    .regex(/^(mqtts?|wss?):\/\/[^/]/, { error: 'must be an mqtt://, mqtts://, ws:// or wss:// URL' })
    .describe('Broker URL, e.g. mqtt://127.0.0.1:1883.'),
  username: z.string().min(1).optional().describe('User name for brokers with password authentication.'),
  password: z.string().optional().describe('Password; use ${VAR} to keep it out of the file.'),
  round_trip: z.boolean().default(true).describe('Subscribe, publish a random payload and wait for it → [RECEIVED], [ROUND_TRIP_TIME] (default true).'),
  topic: z
    .string()
    .min(1)
    .regex(/^[^#+]+$/, { error: 'must be a plain topic without + or # wildcards' })
    .optional()
    .describe('Topic of the round trip (default opsbook/probe/<check id>); the broker’s ACL must allow it.'),
  qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1).describe('QoS of the round trip (default 1).'),
  read: z
    .strictObject({
      topic: z.string().min(1).describe('Topic to subscribe to, e.g. devices/gateway/status.'),
      wait: duration({ min: '10ms', max: '10m' }).prefault('2s').describe('How long to wait for a message (default 2s).'),
    })
    .optional()
    .describe('Read the first message on a topic (usually a retained status) into [MESSAGE].'),
});
export type MqttOptions = z.output<typeof mqttOptions>;

/** What validating a mqtt check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const mqttSchema: CheckKindSchema<MqttOptions> = {
  kind: 'mqtt',
  options: mqttOptions,
  placeholders: ['CONNECTED', 'CONNECT_TIME', 'RECEIVED', 'ROUND_TRIP_TIME', 'MESSAGE', 'RESPONSE_TIME'],
  defaultConditions: (c) => ['[CONNECTED] == true', ...(c.round_trip ? ['[RECEIVED] == true'] : []), ...(c.read ? ['has([MESSAGE]) == true'] : [])],
};
