import { z } from 'zod';

/** `audit:` — where the audit chain's head is published outside the store. */
export const auditSection = z
  .strictObject({
    head_file: z
      .string()
      .min(1)
      .prefault('opsbook-audit.head')
      .describe('File the latest audit entry (`SEQ HASH`) is written to after every action (at most every 250 ms during a burst), relative to the config directory; `audit verify` checks the chain against it.'),
  })
  .prefault({})
  .describe('The audit log’s published head.');
