import { z } from 'zod';
import type { CheckKindSchema } from '../../types.js';

export const DNS_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT', 'SRV', 'PTR', 'CAA', 'SOA'] as const;

export const dnsOptions = z.object({
  name: z.string().min(1).describe('Name to resolve.'),
  type: z.enum(DNS_TYPES).default('A').describe('Record type (default A).'),
  server: z
    .string()
    .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]+)(:\d+)?$/, { error: 'must be host or host:port' })
    .optional()
    .describe('Resolver to ask, host[:port] (default the system resolvers).'),
});
export type DnsOptions = z.output<typeof dnsOptions>;

/** What validating a dns check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const dnsSchema: CheckKindSchema<DnsOptions> = {
  kind: 'dns',
  options: dnsOptions,
  placeholders: ['DNS_RCODE', 'BODY', 'ANSWERS', 'RESPONSE_TIME', 'CONNECTED'],
  defaultConditions: () => ['[DNS_RCODE] == NOERROR', 'len([ANSWERS]) > 0'],
};
