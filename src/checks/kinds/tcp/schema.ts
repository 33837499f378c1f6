import { z } from 'zod';
import type { CheckKindSchema } from '../../types.js';

export const tcpOptions = z.object({
  host: z.string().min(1).describe('Host name or address.'),
  port: z.int().min(1).max(65535).describe('TCP port.'),
});
export type TcpOptions = z.output<typeof tcpOptions>;

/** What validating a tcp check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const tcpSchema: CheckKindSchema<TcpOptions> = {
  kind: 'tcp',
  options: tcpOptions,
  placeholders: ['CONNECTED', 'RESPONSE_TIME'],
  defaultConditions: () => ['[CONNECTED] == true'],
};
