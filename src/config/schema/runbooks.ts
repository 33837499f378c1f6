import { z } from 'zod';

/** `runbooks:` — markdown files, as paths or globs relative to the config directory. */
export const runbooksSection = z
  .array(z.string().min(1))
  .default([])
  .describe('Runbook markdown files: paths or globs (runbooks/*.md) relative to the config directory.');
