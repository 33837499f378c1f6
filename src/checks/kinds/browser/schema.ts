import { z } from 'zod';
import type { CheckKindSchema } from '../../types.js';

export const browserOptions = z.object({
  url: z.string().regex(/^https?:\/\/[^/]/, { error: 'must be an http:// or https:// URL' }).describe('Page to load.'),
  selector: z.string().min(1).optional().describe('CSS selector that must be on the page → [SELECTOR]; its text → [TEXT].'),
  wait_until: z
    .enum(['load', 'domcontentloaded', 'networkidle'])
    .default('load')
    .describe('When the page counts as loaded: load (default), domcontentloaded, networkidle.'),
  headers: z.record(z.string(), z.string()).default({}).describe('Extra request headers (Authorization, Cookie).'),
  ignore_https_errors: z.boolean().default(false).describe('Load pages with an untrusted certificate (default false).'),
  executable: z.string().min(1).default('/usr/bin/chromium').describe('Chromium to run (default /usr/bin/chromium, Debian’s package).'),
});
export type BrowserOptions = z.output<typeof browserOptions>;

/** What validating a browser check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const browserSchema: CheckKindSchema<BrowserOptions> = {
  kind: 'browser',
  options: browserOptions,
  placeholders: ['STATUS', 'TITLE', 'URL', 'SELECTOR', 'TEXT', 'LOAD_TIME', 'CONSOLE_ERRORS', 'CONSOLE', 'RESPONSE_TIME'],
  defaultConditions: (c) => ['[STATUS] < 400', ...(c.selector ? ['[SELECTOR] == true'] : [])],
};
