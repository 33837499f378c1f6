import { z } from 'zod';

/** The largest config file read by default (5 MB): a bigger one is refused before it is parsed. */
export const DEFAULT_CONFIG_MAX_BYTES = 5 * 1024 * 1024;

/** `config:` — limits on reading the config itself. */
export const configSection = z
  .strictObject({
    max_bytes: z
      .number()
      .int()
      .min(1024)
      .max(256 * 1024 * 1024)
      .prefault(DEFAULT_CONFIG_MAX_BYTES)
      .describe('Largest config file read, in bytes; a larger one is refused before parsing (the first load uses 5 MB or OPSBOOK_CONFIG_MAX_BYTES).'),
  })
  .prefault({})
  .describe('Limits on reading the config.');
