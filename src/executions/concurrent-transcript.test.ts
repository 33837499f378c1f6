import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exited, startChild } from '../../test/support/crash.js';
import { createTestDatabase, postgresUp } from '../../test/support/services.js';
import { createMigratedTestDatabase } from '../../test/support/migrated-database.js';
import { ExecutionService, InProcessExecutions } from './service.js';
import { harness, responder, type Harness } from './test-support.js';
import type { TranscriptEntry } from './types.js';

const pgOk = await postgresUp();

// Three steps that only read (run on request), and a manual one to tick.
const RUNBOOK = [
  '# Web\n\n## RB-1: Look\n\n**Diagnosis:**\n',
  '1. Uptime:\n   ```bash\n   echo one\n   ```\n',
  '2. Disk:\n   ```bash\n   echo two\n   ```\n',
  '3. Memory:\n   ```bash\n   echo three\n   ```\n',
  '4. Check the dashboard by hand.\n',
].join('');

const ROUNDS = 20;

/** Every entry numbered 1, 2, … in the order written: no number twice, none missing. */
function expectGapFree(entries: readonly TranscriptEntry[], count: number): void {
  expect(entries).toHaveLength(count);
  expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  expect(new Set(entries.map((e) => e.id)).size).toBe(count);
}

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('an execution written by two opsbook processes at once (%s store)', (_name, onPostgres) => {
  let h: Harness;
  let other: ExecutionService;
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  beforeAll(async () => {
    if (onPostgres && !pgOk) return;
    db = onPostgres ? await createMigratedTestDatabase('opsbook_exec_seq') : undefined;
    h = await harness({
      config: { services: [{ id: 'web', shell: { cwd: '.' } }] },
      runbooks: [{ file: 'web.md', text: RUNBOOK }],
      clock: 'system',
      ...(db ? { storeUrl: db.url } : {}),
    });
    // A second process on the same store: its own runner, its own in-process state.
    other = new ExecutionService({ ...h.service.deps, inProcess: new InProcessExecutions() });
  });
  afterAll(async () => {
    await h?.cleanup();
    await db?.drop();
  });

  it.skipIf(onPostgres && !pgOk)('records both of two different steps run at the same moment, every time, numbered without gaps', async () => {
    const { id } = await h.service.start('web.md#RB-1', responder);
    const bo = { ...responder, name: 'bo' };
    for (let round = 0; round < ROUNDS; round++) {
      const results = await Promise.allSettled([h.service.runStep(id, 1, responder), other.runStep(id, 2, bo), other.runStep(id, 3, bo)]);
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason)))).toEqual(['ok', 'ok', 'ok']);
    }
    const entries = await h.service.transcript(id);
    expectGapFree(entries, 3 * ROUNDS);
    expect(entries.every((e) => e.status === 'ok')).toBe(true);
  });

  it.skipIf(onPostgres && !pgOk)('records a tick and a step written at the same moment, and two ticks at once', async () => {
    const { id } = await h.service.start('web.md#RB-1', responder);
    const bo = { ...responder, name: 'bo' };
    for (let round = 0; round < ROUNDS; round++) {
      const results = await Promise.allSettled([other.tick(id, 4, bo, `round ${round}`), h.service.runStep(id, 1, responder), h.service.tick(id, 4, responder), other.tick(id, 4, bo)]);
      expect(results.map((r) => (r.status === 'fulfilled' ? 'done' : String(r.reason)))).toEqual(['done', 'done', 'done', 'done']);
    }
    const entries = await h.service.transcript(id);
    expectGapFree(entries, 4 * ROUNDS);
    expect(entries.filter((e) => e.kind === 'tick')).toHaveLength(3 * ROUNDS);
  });
});

describe('an execution ticked by two opsbook processes on one SQLite file at once', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ config: { services: [{ id: 'web', shell: { cwd: '.' } }] }, runbooks: [{ file: 'web.md', text: RUNBOOK }], clock: 'system' });
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  it('records every tick of both: none refused with SQLITE_BUSY, numbered without gaps', async () => {
    const { id } = await h.service.start('web.md#RB-1', responder);
    const runbook = join(h.dir, 'web.md');
    await writeFile(runbook, RUNBOOK);
    const count = 150;
    const reports: string[] = [];
    const children = await Promise.all(['ana', 'bo'].map((name) => startChild('test/executions/transcript-writer-child.ts', [join(h.dir, 'opsbook.db'), id, runbook, name, String(count)], (l) => reports.push(l))));
    await writeFile(join(h.dir, 'go'), '');
    await Promise.all(children.map(exited));
    expect(reports.map((r) => JSON.parse(r) as unknown)).toEqual([{ recorded: count, errors: [] }, { recorded: count, errors: [] }]);
    expectGapFree(await h.service.transcript(id), 2 * count);
  });
});
