/**
 * A process that was only paused (SIGSTOP, a long GC, a frozen VM) past its heartbeat while its step
 * ran, and wakes after the step was marked interrupted and taken over by another process: what it
 * writes late is refused by fencing (its claim on the step is gone), so the interrupted entry stays
 * interrupted and the step shows the new holder's result; its late output is kept as a note of its
 * own, never as the step's result. On PostgreSQL a member whose membership lapsed is gone; on a
 * SQLite file a paused process keeps its owner lock, so it is never taken for gone and its step is
 * its own until it ends. The real paused child process is test/cli/paused-run-postgres.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { heartbeatMember, listAudit } from '../store/index.js';
import { storeTargets } from '../../test/support/store-targets.js';
import { postgresUp } from '../../test/support/services.js';
import { scaled } from '../../test/support/timing.js';
import { exportMarkdown } from './export.js';
import { stepProgress } from './outcome.js';
import { ExecutionService, InProcessExecutions } from './service.js';
import { harness, responder, type Harness } from './test-support.js';

const pgOk = await postgresUp();
// Command 1 waits for the file `go` the first time it runs (the paused process's run), and answers at
// once when run again (the new holder's); command 2 counts its runs.
const RUNBOOK = [
  '# Web', '', '## RB-1: Look', '', '**Diagnosis:**', '```bash',
  'if [ -f first ]; then echo new; else touch first; until [ -f go ]; do sleep 0.1; done; echo late; fi',
  'echo second >> seconds.txt',
  '```', '',
].join('\n');

describe.each(storeTargets('opsbook-paused-runner', { migrated: true }))('a step whose process is paused past its heartbeat ($name)', (target) => {
  const open: Harness[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    // A command still waiting ends now.
    for (const h of open) await writeFile(join(h.dir, 'go'), '').catch(() => {});
    for (const h of open.splice(0)) await h.cleanup();
    for (const c of cleanups.splice(0)) await c();
  });

  async function setup(): Promise<{ h: Harness; paused: ExecutionService; id: string; member: string }> {
    const db = await target.open();
    cleanups.push(db.cleanup);
    const h = await harness({ config: { services: [{ id: 'web', shell: { cwd: '.' } }] }, runbooks: [{ file: 'web.md', text: RUNBOOK }], clock: 'system', storeUrl: db.url });
    open.push(h);
    // The paused process: on PostgreSQL a cluster member (its membership is its heartbeat); on SQLite a process outside a cluster (its owner lock).
    const member = target.name === 'postgres' ? 'member_paused' : 'run_paused';
    if (target.name === 'postgres') await heartbeatMember(h.store.db, { id: member, host: 'h', pid: 1, url: 'http://127.0.0.1:1', started_at: Date.now() }, 600_000);
    const paused = new ExecutionService({ ...h.service.deps, inProcess: new InProcessExecutions(member) });
    const { id } = await h.service.start('web.md#RB-1', responder, { service: 'web' });
    return { h, paused, id, member };
  }

  it.skipIf(target.name !== 'postgres' || !pgOk)('keeps its late result out of the step: the interrupted entry stays interrupted, the new holder\'s result stands, the late output is a note', async () => {
    const { h, paused, id, member } = await setup();
    const late = paused.runStep(id, 1, responder, { yes: true });
    late.catch(() => {});
    await expect.poll(async () => (await h.service.transcript(id)).map((e) => e.status), { timeout: scaled(20_000), interval: 100 }).toEqual(['running']);
    const [started] = await h.service.transcript(id);
    // `running` is recorded before the shell starts: the take-over must come after the paused process's
    // command has begun (left its mark), or the second run would wait for `go` in its place.
    await expect.poll(() => existsSync(join(h.dir, 'first')), { timeout: scaled(20_000), interval: 50 }).toBe(true);

    // Its membership lapses while it is "paused" (its command still runs, waiting for `go`).
    await h.store.db.updateTable('cluster_members').set({ expires_at: 0 }).where('id', '=', member).execute();
    // Another process takes the step over: the paused one's entry is marked interrupted, the step runs again.
    const bo = { ...responder, name: 'bo' };
    expect((await h.service.runStep(id, 1, bo, { yes: true })).status).toBe('ok');
    const taken = await h.service.transcript(id);
    expect(taken.map((e) => [e.step, e.command, e.status, e.actor, e.stdout])).toEqual([
      [1, 1, 'interrupted', 'ana', ''],
      [1, 1, 'ok', 'bo', 'new\n'],
      [1, 2, 'ok', 'bo', ''],
    ]);

    // The paused process wakes: its command ends now, and it tries to write the result.
    await writeFile(join(h.dir, 'go'), '');
    await expect(late).rejects.toMatchObject({ code: 'OPSBOOK_E_FENCED', message: expect.stringContaining(`step 1 of execution ${id}`) });

    const after = await h.service.transcript(id);
    // The interrupted entry stays interrupted; the new holder's entries are untouched.
    expect(after.slice(0, 3)).toEqual(taken);
    expect(after[0]).toMatchObject({ id: started!.id, status: 'interrupted' });
    // The late output is kept, as a note of its own naming the entry it belongs to; the step's status does not change.
    expect(after.slice(3).map((e) => [e.kind, e.step, e.command, e.status, e.actor, e.stdout])).toEqual([['note', 1, 1, 'noted', 'ana', 'late\n']]);
    expect(after[3]!.text).toContain('late result');
    expect(after[3]!.data).toMatchObject({ lateResultOf: started!.id, runner: member, status: 'ok', exitCode: 0 });
    const execution = await h.service.get(id);
    expect(stepProgress(execution.plan, after).get(1)).toMatchObject({ done: true, failed: false });
    // The review's export shows it with the step's runs, marked as what it is.
    const md = await exportMarkdown(execution, after, (e, s) => h.service.fullOutput(e, s));
    expect(md).toContain("**late result, not the step's (its opsbook process had lost the step): ok**, exit 0");
    expect(md).toContain('late\n```');
    // Its second command never ran after it lost the step: only the new holder's run of it.
    expect((await readFile(join(h.dir, 'seconds.txt'), 'utf8')).split('\n').filter(Boolean)).toEqual(['second']);
    const actions = (await listAudit(h.store.db, { subject: `execution:${id}` })).map((a) => a.action);
    expect(actions.filter((a) => a.startsWith('execution.command'))).toEqual([
      'execution.command.start',
      'execution.command.interrupted',
      'execution.command.start',
      'execution.command',
      'execution.command.start',
      'execution.command',
      'execution.command.late',
    ]);
    // Nothing is left held: the step can be run again.
    expect(await h.store.db.selectFrom('running_steps').selectAll().execute()).toEqual([]);
  });

  it.skipIf(target.name !== 'sqlite')('never takes a paused process for gone on a SQLite file: its step is its own and its result stands', async () => {
    const { h, paused, id } = await setup();
    const run = paused.runStep(id, 1, responder, { yes: true });
    await expect.poll(async () => (await h.service.transcript(id)).map((e) => e.status), { timeout: scaled(20_000), interval: 100 }).toEqual(['running']);
    // Paused or not, it holds its owner lock: nothing is marked and a press elsewhere is refused.
    expect(await h.service.markInterrupted()).toEqual([]);
    await expect(h.service.runStep(id, 1, { ...responder, name: 'bo' }, { yes: true })).rejects.toMatchObject({ code: 'OPSBOOK_E_EXECUTION_STATE' });
    await writeFile(join(h.dir, 'go'), '');
    expect((await run).status).toBe('ok');
    expect((await h.service.transcript(id)).map((e) => [e.command, e.status, e.actor, e.stdout])).toEqual([[1, 'ok', 'ana', 'late\n'], [2, 'ok', 'ana', '']]);
  });
});
