import { z } from 'zod';
import type { CheckKindSchema } from '../../types.js';

export const websocketOptions = z.object({
  url: z.string().regex(/^wss?:\/\/[^/]/, { error: 'must be a ws:// or wss:// URL' }).describe('WebSocket URL, e.g. wss://app.example.com/ws/notifications/.'),
  headers: z.record(z.string(), z.string()).default({}).describe('Headers of the upgrade request (Origin, Cookie, Authorization).'),
  protocols: z.array(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'must be a subprotocol token' })).default([]).describe('Subprotocols offered; the one chosen is [PROTOCOL].'),
  send: z.string().optional().describe('A text message sent once open, e.g. {"type":"ping"}; the first reply is [MESSAGE].'),
  receive: z.boolean().optional().describe('Wait for a first message → [MESSAGE], [BODY] (default: true when send is set).'),
  ca_file: z.string().optional().describe('PEM file of CAs to trust for wss://.'),
});
export type WebsocketOptions = z.output<typeof websocketOptions>;

/** What validating a websocket check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const websocketSchema: CheckKindSchema<WebsocketOptions> = {
  kind: 'websocket',
  options: websocketOptions,
  placeholders: ['CONNECTED', 'STATUS', 'PROTOCOL', 'MESSAGE', 'BODY', 'CONNECT_TIME', 'ROUND_TRIP_TIME', 'RESPONSE_TIME'],
  defaultConditions: (c) => ['[CONNECTED] == true', ...((c.receive ?? c.send !== undefined) ? ['has([MESSAGE]) == true'] : [])],
};
