import { z } from 'zod';
import { duration, pushIssue, timeoutPastInterval } from './common.js';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/** `paging:` — how opsbook watches its own paging: failing channels and the dead-man's switch. */
export const pagingSection = z
  .strictObject({
    failing_after: z
      .int()
      .min(1)
      .max(1000)
      .default(3)
      .describe('A channel is failing after this many failed attempts in a row, or one dead letter (default 3); it then opens its own incident, paged through the other channels.'),
    failing_severity: z.string().optional().describe("Severity of a failing channel's incident (default: the most severe in severities:)."),
    deadman: z
      .strictObject({
        url: httpUrl.describe('Where opsbook POSTs a ping every interval (a dead-man receiver such as Healthchecks or your own).'),
        interval: duration({ min: '1s', max: '1d' }).prefault('60s').describe('Time between two pings (default 60s).'),
        timeout: duration({ min: '100ms', max: '5m' })
          .optional()
          .describe('How long one ping may take (default 10s, or the interval when shorter; not longer than the interval).'),
      })
      .superRefine((d, ctx) => {
        if (d.timeout !== undefined && d.timeout > d.interval) {
          pushIssue(ctx, 'OPSBOOK_E_CONFIG_INVALID', timeoutPastInterval(d.timeout, d.interval), d.timeout, ['timeout']);
        }
      })
      .transform((d) => ({ ...d, timeout: d.timeout ?? Math.min(10_000, d.interval) }))
      .optional()
      .describe("Dead-man's switch: an outside receiver that notices when the pings stop, i.e. when opsbook itself is down."),
  })
  .prefault({})
  .describe('Paging watched: when a channel counts as failing, and the dead-man ping.');

export type PagingConfig = z.output<typeof pagingSection>;
