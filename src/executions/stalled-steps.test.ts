import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestDatabase, postgresUp } from '../../test/support/services.js';
import { scaled } from '../../test/support/timing.js';
import { harness, responder, type Harness } from './test-support.js';

const pgOk = await postgresUp();

/** Settles within `ms` or says the step never ended. */
async function within<T>(ms: number, p: Promise<T>): Promise<T | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), ms)));
  try {
    return await Promise.race([p, bound]);
  } finally {
    clearTimeout(timer);
  }
}

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('steps that do not end by themselves (%s store)', (_name, onPostgres) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let target: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  beforeAll(async () => {
    if (!pgOk) return;
    db = onPostgres ? await createTestDatabase('opsbook_exec_stall') : undefined;
    target = await createTestDatabase('opsbook_exec_target');
  });
  afterAll(async () => {
    await db?.drop();
    await target?.drop();
  });
  const open = (config: Parameters<typeof harness>[0]['config'], text: string): Promise<Harness> =>
    harness({ config, runbooks: [{ file: 's.md', text }], clock: 'system', ...(db ? { storeUrl: db.url } : {}) });

  it.skipIf(!pgOk)('a shell step whose script leaves a background child ends when its script does, and the child is killed', async () => {
    const h = await open(
      { services: [{ id: 'app', shell: { cwd: '.' } }], procedures: { 's.md#rb-1': { timeout: '60s' } } },
      '# S\n\n## RB-1: Look\n\n**Diagnosis:**\n```bash\n./probe.sh\nsleep 1000 &\n```\n',
    );
    try {
      // A script that starts a helper and returns, the helper keeping the step's output pipe open.
      await writeFile(join(h.dir, 'probe.sh'), '#!/bin/bash\necho started\nsleep 1000 &\necho $! > child.pid\n', { mode: 0o755 });
      const { id, plan } = await h.service.start('s.md#RB-1', responder);
      // The reader keeps the `&`; a command sent to the background is not run (the step would kill it at once).
      expect(plan.steps[0]!.commands[1]).toMatchObject({ text: 'sleep 1000 &', runnable: false, why: expect.stringMatching(/runs in the background/) });
      // Well under the step's 60 s limit: the script itself is over at once.
      const result = await within(scaled(20_000), h.service.runStep(id, 1, responder, { yes: true }));
      expect(result).not.toBe('still running');
      if (result === 'still running') return;
      expect(result.entries.map((e) => [e.text, e.status])).toEqual([['./probe.sh', 'ok'], ['sleep 1000 &', 'not_runnable']]);
      expect(result.entries[0]).toMatchObject({ exitCode: 0, stdout: 'started\n' });
      const pid = Number(await readFile(join(h.dir, 'child.pid'), 'utf8'));
      const alive = (): boolean => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
      expect(alive()).toBe(false);
    } finally {
      await h.cleanup();
    }
  });

});
