import { z } from 'zod';
import { duration } from '../../../lib/schema-fields.js';
import type { CheckKindSchema } from '../../types.js';

export const celeryOptions = z.object({
  broker: z.string().regex(/^rediss?:\/\//, { error: 'must be a redis:// or rediss:// broker URL (the Redis transport)' }).describe('The Celery broker URL, redis://host:port/db.'),
  queues: z
    .array(z.string().min(1))
    .default([])
    .describe('Queues whose waiting messages become [MESSAGES:name] and whose [WORKERS:name] is 0, not missing, when nobody consumes them.'),
  reply_window: duration({ min: '50ms', max: '1m' })
    .prefault('1s')
    .describe('How long workers have to answer the broadcast; a worker silent this long is not alive (default 1s, as celery inspect).'),
  beat_tasks: z
    .array(z.string().min(1))
    .default([])
    .describe('Periodic task names whose task-sent events count beat instances; needs task_send_sent_event = True where beat runs.'),
  beat_window: duration({ max: '10m' })
    .prefault('0')
    .describe('How long to listen for those events: at least the shortest period of beat_tasks (default 0, beat not watched).'),
});
export type CeleryOptions = z.output<typeof celeryOptions>;

type Config = CeleryOptions & { timeout?: number };

function validate(c: Config): string | undefined {
  if ((c.beat_tasks.length > 0) !== (c.beat_window > 0)) return 'beat_tasks and beat_window go together';
  const needed = c.reply_window + c.beat_window;
  if (c.timeout !== undefined && needed >= c.timeout) return `timeout must be longer than reply_window + beat_window (${needed} ms)`;
  return undefined;
}

/** What validating a celery check reads: its options, placeholders and default conditions (its probe is index.ts). */
export const celerySchema: CheckKindSchema<CeleryOptions> = {
  kind: 'celery',
  options: celeryOptions,
  validate: (c) => validate(c as Config),
  placeholders: [
    'CONNECTED', 'RESPONSE_TIME', 'WORKERS_ALIVE', 'WORKER_NAMES', 'WORKERS', 'ACTIVE', 'RESERVED', 'MESSAGES', 'LENGTH',
    'BEAT_INSTANCES', 'BEAT_SENDERS', 'PERIODIC_SENT', 'LAST_SENT',
  ],
  defaultConditions: () => ['[CONNECTED] == true', '[WORKERS_ALIVE] >= 1'],
};
