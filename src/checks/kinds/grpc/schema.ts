import { z } from 'zod';
import type { CheckKindSchema } from '../../types.js';

export const grpcOptions = z.object({
  target: z
    .string()
    .regex(/^(\[[0-9a-fA-F:]+\]|[^:/\s]+):\d{1,5}$/, { error: 'must be host:port, e.g. api.internal:50051' })
    .describe('host:port of the gRPC server.'),
  // Not `service`: every check's `service` names the opsbook service it watches (services:).
  grpc_service: z.string().default('').describe('gRPC service name asked about (default "", the whole server), e.g. payments.v1.Ledger.'),
  tls: z.boolean().default(false).describe('Connect with TLS (default false: plaintext HTTP/2).'),
  ca_file: z.string().optional().describe('PEM file of CAs to trust with tls: true (default the system CAs).'),
  servername: z.string().optional().describe('Name the certificate must carry, when it differs from the target host.'),
  metadata: z.record(z.string().regex(/^[0-9a-z_.-]+$/, { error: 'must be a lower-case metadata key' }), z.string()).default({}).describe('Metadata sent with the call, e.g. authorization: Bearer ${TOKEN}.'),
});
export type GrpcOptions = z.output<typeof grpcOptions>;

/** What validating a grpc check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const grpcSchema: CheckKindSchema<GrpcOptions> = {
  kind: 'grpc',
  options: grpcOptions,
  placeholders: ['CONNECTED', 'STATUS', 'CODE', 'RESPONSE_TIME'],
  defaultConditions: () => ['[STATUS] == SERVING'],
};
