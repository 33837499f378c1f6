import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestDatabase, postgresUp } from '../../test/support/services.js';
import { createMigratedTestDatabase } from '../../test/support/migrated-database.js';
import { scaled } from '../../test/support/timing.js';
import { ExecutionService, InProcessExecutions } from './service.js';
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
    db = onPostgres ? await createMigratedTestDatabase('opsbook_exec_press') : undefined;
    h = await harness({
      config: { services: [{ id: 'app', shell: { cwd: '.' } }] },
      runbooks: [{ file: 'p.md', text: `# P\n\n## RB-1: Restart\n\n**Resolution:**\n\`\`\`bash\necho restarted >> restarts.txt; sleep 1\n\`\`\`\n\n## RB-2: Flush\n\n**Resolution:**\n\`\`\`bash\necho flushed >> flushes.txt; until [ -f go ]; do sleep 0.1; done\n\`\`\`\n` }],
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

  it.skipIf(onPostgres && !pgOk)('runs it once across two opsbook processes on the store: the second is refused, saying who runs it', async () => {
    // A second process on the same store: its own runner, its own in-process state.
    const other = new ExecutionService({ ...h.service.deps, inProcess: new InProcessExecutions() });
    const { id } = await h.service.start('p.md#RB-2', responder);
    const bo = { ...responder, name: 'bo' };
    const flushes = async () => (await readFile(join(h.dir, 'flushes.txt'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
    const presses = [h.service.runStep(id, 1, responder, { yes: true }), other.runStep(id, 1, bo, { yes: true })];
    const settled = [false, false];
    presses.forEach((p, i) => void p.then(() => (settled[i] = true), () => (settled[i] = true)));
    // The step runs until the file `go` appears: one press is refused while it runs (or, on a store
    // without a guard, both run it).
    await expect.poll(async () => settled.some(Boolean) || (await flushes()).length > 1, { timeout: scaled(20_000), interval: 50 }).toBe(true);
    await writeFile(join(h.dir, 'go'), '');
    const [first, second] = await Promise.allSettled(presses);
    expect(await flushes()).toEqual(['flushed']);
    const won = first!.status === 'fulfilled' ? { result: first, by: 'ana', lost: second } : { result: second, by: 'bo', lost: first };
    expect(won.result).toMatchObject({ status: 'fulfilled', value: { status: 'ok' } });
    expect(won.lost).toMatchObject({ status: 'rejected', reason: { code: 'OPSBOOK_E_EXECUTION_STATE', message: expect.stringContaining(`step 1 of execution ${id} is running (started by ${won.by})`) } });
    expect((await h.service.transcript(id)).map((e) => [e.step, e.command, e.status, e.actor])).toEqual([[1, 1, 'ok', won.by], [1, 2, 'ok', won.by]]);
    // Once it ended, either process can run it again on purpose.
    expect((await other.runStep(id, 1, bo, { yes: true })).status).toBe('ok');
    expect((await h.service.runStep(id, 1, responder, { yes: true })).status).toBe('ok');
    expect(await flushes()).toEqual(['flushed', 'flushed', 'flushed']);
  });
});
