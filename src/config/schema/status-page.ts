import { z } from 'zod';
import { duration, id } from './common.js';

const publicService = z.strictObject({
  service: id().describe('A service id from services:.'),
  name: z.string().min(1).max(80).optional().describe('The name the public sees (default: the service name, else its id).'),
});

/** `status_page:` — what the public status page at /status shows, and who tells the public what. */
export const statusPageSection = z
  .strictObject({
    title: z.string().min(1).max(80).default('System status').describe('The page heading (default "System status").'),
    services: z
      .array(publicService)
      .optional()
      .describe('The public services, in this order, under these names. Absent: every service under its own name. A service not listed never appears.'),
    publish: z
      .enum(['manual', 'after_delay'])
      .default('manual')
      .describe('manual (default): an incident appears only when a person publishes it. after_delay: an incident of a public service still open after publish_delay is published with fixed words.'),
    publish_delay: duration({ min: '0s', max: '1d' }).prefault('10m').describe('With publish: after_delay, how long an incident must stay open before it is published (default 10m).'),
    history_days: z.int().min(1).max(365).default(90).describe('How many days of resolved incidents and daily bars the page keeps (default 90).'),
    downtime_threshold: duration({ min: '0s', max: '1d' }).prefault('1m').describe('A day with at least this much downtime of a public service’s checks is not green (default 1m).'),
    subscribers: z
      .strictObject({
        channel: id().describe('The email channel that sends confirmations and updates.'),
        max: z.int().min(1).max(1_000_000).default(10_000).describe('At most this many subscribers, confirmed or not (default 10000).'),
      })
      .optional()
      .describe('Email subscriptions with double opt-in: a confirmation link first, an unsubscribe link in every mail.'),
  })
  .prefault({})
  .describe('The public status page: public services and their names, how incidents are published, the history kept, email subscribers.');

export type StatusPageConfig = z.output<typeof statusPageSection>;
