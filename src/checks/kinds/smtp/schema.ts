import { z } from 'zod';
import type { CheckKindSchema } from '../../types.js';

export const smtpOptions = z.object({
  host: z.string().min(1).describe('Mail server host.'),
  port: z.int().min(1).max(65535).default(25).describe('Port (default 25; 587 for submission, 465 with tls: implicit).'),
  tls: z
    .enum(['starttls', 'implicit', 'none'])
    .default('starttls')
    .describe('starttls: upgrade after EHLO (default); implicit: TLS from the first byte (port 465); none: plain only.'),
  ehlo_name: z.string().min(1).default('localhost').describe('Name sent with EHLO (default localhost).'),
  servername: z.string().optional().describe('Name sent in SNI and matched against the certificate (default host).'),
  ca_file: z.string().optional().describe('PEM file of CAs to trust for [CHAIN_VALID].'),
});
export type SmtpOptions = z.output<typeof smtpOptions>;

/** What validating a smtp check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const smtpSchema: CheckKindSchema<SmtpOptions> = {
  kind: 'smtp',
  options: smtpOptions,
  placeholders: [
    'CONNECTED', 'CODE', 'BANNER', 'EHLO', 'EXTENSIONS', 'TLS', 'CERTIFICATE_EXPIRATION', 'DAYS_TO_EXPIRY',
    'HOSTNAME_MATCH', 'CHAIN_VALID', 'ISSUER', 'SUBJECT', 'RESPONSE_TIME',
  ],
  defaultConditions: (c) => [
    '[CODE] == 220',
    '[EHLO] == true',
    ...(c.tls === 'none' ? [] : ['[TLS] == true', '[CERTIFICATE_EXPIRATION] > 0']),
  ],
};
