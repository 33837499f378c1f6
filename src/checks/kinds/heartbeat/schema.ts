import { z } from 'zod';
import { duration } from '../../../lib/schema-fields.js';
import type { CheckKindSchema } from '../../types.js';

export const heartbeatOptions = z.object({
  period: duration({ min: '1s' }).describe('How often the job beats (its schedule), e.g. 1h for an hourly backup.'),
  grace: duration().prefault('5m').describe('How late a beat may be before the check fails (default 5m).'),
});
export type HeartbeatOptions = z.output<typeof heartbeatOptions>;

/** What validating a heartbeat check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const heartbeatSchema: CheckKindSchema<HeartbeatOptions> = {
  kind: 'heartbeat',
  options: heartbeatOptions,
  placeholders: ['AGE', 'FAILED'],
  defaultConditions: (c) => [`[AGE] <= ${c.period + c.grace}ms`, '[FAILED] == false'],
};
