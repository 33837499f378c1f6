import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { propose } from './index.js';

const root = path.resolve(import.meta.dirname, '../..');
const checksOf = async (file: string, text?: string): Promise<Record<string, Record<string, unknown>>> => {
  const proposal = propose([{ text: text ?? (await readFile(path.join(root, file), 'utf8')), ref: path.basename(file) }]);
  return Object.fromEntries(proposal.items.filter((i) => i.section === 'checks' && i.body.kind === 'celery').map((i) => [i.id, i.body]));
};

describe('import: Celery workers and beat from the runbook\'s own commands', () => {
  it('seed 000: the production worker\'s -Q queues with the table\'s "2-4 per host", the serial migrations queue, one beat for the periodic tasks', async () => {
    const checks = await checksOf('examples/nxentra/runbooks/nxentra.md');
    expect(checks['nxentra-celery-workers']).toMatchObject({
      queues: ['default', 'projections'],
      conditions: ['[WORKERS:default] >= 2', '[WORKERS:projections] >= 1'],
      warning: ['[WORKERS:default] > 4', '[WORKERS:projections] > 2'],
    });
    expect(checks['nxentra-celery-migrations']).toMatchObject({ queues: ['migrations'], conditions: ['[CONNECTED] == true', '[WORKERS:migrations] <= 1'] });
    expect(checks['nxentra-celery-beat']).toMatchObject({
      beat_tasks: ['projections.tasks.process_all_projections', 'projections.tasks.check_projection_health'],
      beat_window: '60s',
      conditions: ['[BEAT_INSTANCES] == 1'],
    });
    expect(Object.keys(checks)).toHaveLength(3);
  });

  it('seed 002: a worker without -Q consumes the default queue; beat with no periodic-task table is not watched', async () => {
    const checks = await checksOf('examples/django-finance/runbooks/django-finance.md');
    expect(Object.values(checks)).toEqual([expect.objectContaining({ queues: ['celery'], conditions: ['[WORKERS:celery] >= 1'] })]);
  });

  it('a runbook of another shape: --queues=, single counts, "exactly 1", a Runs column, an hourly task', async () => {
    const checks = await checksOf('test/fixtures/import/mailer-workers.md');
    expect(checks['mailer-celery-workers']).toMatchObject({
      queues: ['outbound', 'bounces'],
      conditions: ['[WORKERS:outbound] >= 3', '[WORKERS:bounces] >= 1'],
      warning: ['[WORKERS:bounces] > 2'],
    });
    expect(checks['mailer-celery-reindex']).toMatchObject({ conditions: ['[CONNECTED] == true', '[WORKERS:reindex] <= 1'] });
    expect(checks['mailer-celery-beat']).toMatchObject({ beat_tasks: ['mailer.tasks.retry_deferred', 'mailer.tasks.purge_old'], beat_window: '600s', interval: '630s', timeout: '630s' });
    // An AMQP broker is not one opsbook's celery check speaks: no check.
    const amqp = `${await readFile(path.join(root, 'test/fixtures/import/mailer-workers.md'), 'utf8')}\nBROKER_URL=amqp://mq.internal//\n`;
    expect(await checksOf('mailer.md', amqp)).toEqual({});
  });
});
