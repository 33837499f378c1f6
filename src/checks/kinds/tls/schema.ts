import { z } from 'zod';
import type { CheckKindSchema } from '../../types.js';

export const tlsOptions = z.object({
  host: z.string().min(1).describe('Host to connect to.'),
  port: z.int().min(1).max(65535).default(443).describe('Port (default 443).'),
  servername: z.string().optional().describe('Name sent in SNI and matched against the certificate (default host).'),
  ca_file: z.string().optional().describe('PEM file of CAs to trust for [CHAIN_VALID].'),
});
export type TlsOptions = z.output<typeof tlsOptions>;

/** What validating a tls check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const tlsSchema: CheckKindSchema<TlsOptions> = {
  kind: 'tls',
  options: tlsOptions,
  placeholders: ['CONNECTED', 'CERTIFICATE_EXPIRATION', 'DAYS_TO_EXPIRY', 'HOSTNAME_MATCH', 'CHAIN_VALID', 'ISSUER', 'SUBJECT', 'RESPONSE_TIME'],
  defaultConditions: () => ['[CONNECTED] == true', '[HOSTNAME_MATCH] == true', '[CERTIFICATE_EXPIRATION] > 0'],
};
