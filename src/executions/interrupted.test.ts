/**
 * Steps left `running`: marked interrupted only when the process that ran them is gone, never while
 * it lives. The killed-process cases with real child processes are test/daemon/interrupted-step.test.ts
 * and test/cli/interrupted-run-postgres.test.ts (PostgreSQL outside a cluster).
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { heartbeatMember, heartbeatRunner, listAudit } from '../store/index.js';
import { storeTargets } from '../../test/support/store-targets.js';
import { postgresUp } from '../../test/support/services.js';
import { scaled } from '../../test/support/timing.js';
import { INTERRUPTED_TEXT } from './interrupted.js';
import { ExecutionService, InProcessExecutions } from './service.js';
import { harness, responder, type Harness } from './test-support.js';

const pgOk = await postgresUp();
const RUNBOOK = '# Web\n\n## RB-1: Wait\n\n**Diagnosis:**\n```bash\necho waiting && sleep 30\n```\n';

describe.each(storeTargets('opsbook-interrupted', { migrated: true }))('steps left running ($name)', (target) => {
  const open: Harness[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const h of open.splice(0)) await h.cleanup();
    for (const c of cleanups.splice(0)) await c();
  });

  async function setup(runner?: string): Promise<{ h: Harness; other: ExecutionService; id: string }> {
    const db = await target.open();
    cleanups.push(db.cleanup);
    const h = await harness({ config: { services: [{ id: 'web', shell: { cwd: '.' } }] }, runbooks: [{ file: 'web.md', text: RUNBOOK }], clock: 'system', storeUrl: db.url });
    open.push(h);
    // A second process on the same store: its own runner, its own in-process state.
    const other = new ExecutionService({ ...h.service.deps, inProcess: new InProcessExecutions(runner) });
    const { id } = await h.service.start('web.md#RB-1', responder, { service: 'web' });
    return { h, other, id };
  }

  it.skipIf(target.name === 'postgres' && !pgOk)('leaves the step of a live process running, and records its start and output so far', async () => {
    const { h, other, id } = await setup();
    const run = h.service.runStep(id, 1, responder);
    await expect.poll(async () => (await h.service.transcript(id)).map((e) => [e.status, e.stdout]), { timeout: scaled(20_000), interval: 100 }).toEqual([['running', 'waiting\n']]);
    const [started] = await h.service.transcript(id);
    expect(started).toMatchObject({ step: 1, command: 1, actor: 'ana', text: 'echo waiting && sleep 30', durationMs: null, exitCode: null, data: { runner: h.service.inProcess.runner } });
    expect((await listAudit(h.store.db, { subject: `execution:${id}` })).map((a) => a.action)).toEqual(['execution.start', 'execution.command.start']);

    // Another process sees that this one lives: its owner lock (SQLite), its heartbeat in
    // execution_runners (PostgreSQL outside a cluster).
    expect(await other.markInterrupted()).toEqual([]);
    expect((await h.service.transcript(id)).map((e) => e.status)).toEqual(['running']);

    await h.service.cancel(id, responder);
    expect((await run).status).toBe('cancelled');
    const [ended] = await h.service.transcript(id);
    expect(ended).toMatchObject({ id: started!.id, status: 'cancelled', stdout: 'waiting\n' });
    expect(ended!.durationMs).not.toBeNull();
  });

  it.skipIf(target.name === 'postgres' && !pgOk)('marks interrupted the step of a process that is gone, once', async () => {
    // On a SQLite file a runner without its owner lock is gone; on PostgreSQL a cluster member without a live heartbeat.
    const dead = target.name === 'postgres' ? 'member_gone' : 'run_gone';
    const { h, other, id } = await setup();
    const deadProcess = new ExecutionService({ ...h.service.deps, inProcess: new InProcessExecutions(dead) });
    const run = deadProcess.runStep(id, 1, responder);
    await expect.poll(async () => (await h.service.transcript(id)).map((e) => e.status), { timeout: scaled(20_000), interval: 100 }).toEqual(['running']);
    if (target.name === 'sqlite') {
      // Held while its step runs: not gone yet.
      expect(await other.markInterrupted()).toEqual([]);
    }
    // The process "dies": its lock is dropped (SQLite) / it never had a heartbeat (PostgreSQL); its command is stopped here only so nothing is left behind.
    deadProcess.inProcess.end(id);
    await run;
    // What it wrote on ending is put back to `running`, as a killed process would have left it.
    await h.store.db.updateTable('execution_entries').set({ status: 'running', stderr: '', duration_ms: null, exit_code: null, data: JSON.stringify({ runner: dead }) }).where('execution_id', '=', id).execute();
    await h.store.db.insertInto('running_steps').values({ execution_id: id, step: 1, runner: dead, actor: 'ana', started_at: Date.now(), epoch: 1 }).execute();

    const marked = await other.markInterrupted();
    expect(marked.map((e) => [e.step, e.command, e.status])).toEqual([[1, 1, 'interrupted']]);
    const [entry] = await h.service.transcript(id);
    expect(entry).toMatchObject({ status: 'interrupted', actor: 'ana', text: 'echo waiting && sleep 30' });
    expect(entry!.stderr).toBe(`opsbook: ${INTERRUPTED_TEXT}\n`);
    const audit = await listAudit(h.store.db, { subject: `execution:${id}` });
    expect(audit.map((a) => a.action)).toContain('execution.command.interrupted');
    // The step it held can be run again.
    expect(await h.store.db.selectFrom('running_steps').selectAll().execute()).toEqual([]);
    expect(await other.markInterrupted()).toEqual([]);
  });

  it.skipIf(target.name !== 'postgres' || !pgOk)('leaves alone the step of a cluster member whose heartbeat is live', async () => {
    const { h, other, id } = await setup();
    const member = 'member_alive';
    await heartbeatMember(h.store.db, { id: member, host: 'h', pid: 1, url: 'http://127.0.0.1:1', started_at: Date.now() }, 60_000);
    const live = new ExecutionService({ ...h.service.deps, inProcess: new InProcessExecutions(member) });
    const run = live.runStep(id, 1, responder);
    await expect.poll(async () => (await h.service.transcript(id)).map((e) => e.status), { timeout: scaled(20_000), interval: 100 }).toEqual(['running']);
    expect(await other.markInterrupted()).toEqual([]);
    live.inProcess.end(id);
    await run;
  });

  it.skipIf(target.name === 'postgres' && !pgOk)('looks again at the lapse of the first heartbeat of another process holding a step, else in a third of a lease', async () => {
    const { h, id } = await setup();
    const lease = h.config.storage.cluster.lease;
    const third = Math.floor(lease / 3);
    // Nobody holds a step: the rhythm of the heartbeats.
    expect(await h.service.nextInterruptedLookIn()).toBe(third);
    const hold = (execution: string, step: number, runner: string) => h.store.db.insertInto('running_steps').values({ execution_id: execution, step, runner, actor: 'ana', started_at: Date.now(), epoch: step }).execute();
    // This process's own step is not watched by it.
    await hold(id, 1, h.service.inProcess.runner);
    expect(await h.service.nextInterruptedLookIn()).toBe(third);
    if (target.name === 'sqlite') return; // no heartbeat to lapse: a gone owner's lock is free at once
    // A cluster member and a runner outside a cluster, each holding a step, their heartbeats ending
    // within a third of a lease: looked again just past the first of them, then the other.
    const member = 'member_soon';
    await heartbeatMember(h.store.db, { id: member, host: 'h', pid: 1, url: 'http://127.0.0.1:1', started_at: 1 }, Math.floor(third / 2));
    await heartbeatRunner(h.store.db, { id: 'run_soon', host: 'h', pid: 1 }, Math.floor(third / 4));
    await hold(id, 2, member);
    await hold(id, 3, 'run_soon');
    const first = await h.service.nextInterruptedLookIn();
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(Math.floor(third / 4) + 20);
    await h.store.db.deleteFrom('running_steps').where('runner', '=', 'run_soon').execute();
    const next = await h.service.nextInterruptedLookIn();
    expect(next).toBeGreaterThan(0);
    expect(next).toBeLessThanOrEqual(Math.floor(third / 2) + 20);
    // Lapsed a moment ago, between a look that found it live and the reckoning of the next look: the
    // next look comes just past it, not a third of a lease later (found 5,005 ms late in CI).
    await sql`update cluster_members set expires_at = (extract(epoch from clock_timestamp()) * 1000)::bigint - 50 where id = ${member}`.execute(h.store.db);
    expect(await h.service.nextInterruptedLookIn()).toBeLessThanOrEqual(20);
    // Lapsed long ago (the look marks it): no heartbeat left to wait for.
    await h.store.db.updateTable('cluster_members').set({ expires_at: 0 }).where('id', '=', member).execute();
    expect(await h.service.nextInterruptedLookIn()).toBe(third);
  });
});
