import { z } from 'zod';
import { pushIssue } from './common.js';

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * `storage:` — absent `url` means SQLite at `<data_dir>/opsbook.db`; a `postgres://` or
 * `postgresql://` URL means PostgreSQL; any other text is a SQLite file path relative to the
 * config's directory. `resolveStorage` in ../storage.ts turns this into an absolute target.
 */
export const storageSection = z
  .strictObject({
    url: z
      .string()
      .min(1)
      .superRefine((url, ctx) => {
        const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
        if (scheme && scheme !== 'postgres' && scheme !== 'postgresql') {
          pushIssue(ctx, 'OPSBOOK_E_STORE_URL', `must be a postgres:// URL or a SQLite file path (got a ${scheme}:// URL)`, url);
        }
      })
      .optional()
      .describe('postgres:// URL, or a SQLite file path; absent means SQLite at DATA_DIR/opsbook.db.'),
    data_dir: z
      .string()
      .min(1)
      .prefault('.opsbook')
      .describe('Directory for opsbook state (SQLite file, transcripts), relative to the config directory.'),
  })
  .prefault({})
  .describe('Where opsbook keeps its state.');
