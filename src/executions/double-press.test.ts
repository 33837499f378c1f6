import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestDatabase, postgresUp } from '../../test/support/services.js';
import { harness, responder, type Harness } from './test-support.js';

const pgOk = await postgresUp();

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('the same step pressed twice (%s store)', (_name, onPostgres) => {
  let h: Harness;
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  beforeAll(async () => {
    if (onPostgres && !pgOk) return;
    db = onPostgres ? await createTestDatabase('opsbook_exec_press') : undefined;
    h = await harness({
      config: { services: [{ id: 'app', shell: { cwd: '.' } }] },
      runbooks: [{ file: 'p.md', text: '# P\n\n## RB-1: Restart\n\n**Resolution:**\n```bash\necho restarted >> restarts.txt; sleep 1\n```\n' }],
      clock: 'system',
      ...(db ? { storeUrl: db.url } : {}),
    });
  });
  afterAll(async () => {
    await h?.cleanup();
    await db?.drop();
  });

  it.skipIf(onPostgres && !pgOk)('runs it once: the second press while it runs is refused, saying who runs it', async () => {
    const { id } = await h.service.start('p.md#RB-1', responder);
    const bo = { ...responder, name: 'bo' };
    const [first, second] = await Promise.allSettled([h.service.runStep(id, 1, responder, { yes: true }), h.service.runStep(id, 1, bo, { yes: true })]);
    expect((await readFile(join(h.dir, 'restarts.txt'), 'utf8')).split('\n').filter(Boolean)).toEqual(['restarted']);
    expect(first).toMatchObject({ status: 'fulfilled', value: { status: 'ok' } });
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'OPSBOOK_E_EXECUTION_STATE', message: expect.stringMatching(/step 1 of execution \S+ is running \(started by ana\)/) } });
    expect((await h.service.transcript(id)).map((e) => [e.step, e.command, e.status])).toEqual([[1, 1, 'ok'], [1, 2, 'ok']]);
    // Once it ended, it can be run again on purpose.
    expect((await h.service.runStep(id, 1, bo, { yes: true })).status).toBe('ok');
  });
});
