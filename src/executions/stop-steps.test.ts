/**
 * opsbook's clean stop and the runbook steps running in it (stopRunningSteps): none starts, those
 * running get until the deadline, then are stopped and recorded interrupted by the stopping process,
 * saying why. The real daemon, SIGTERMed with `sleep 600` running, is test/daemon/stop-running-step.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listAudit } from '../store/index.js';
import { storeTargets } from '../../test/support/store-targets.js';
import { postgresUp } from '../../test/support/services.js';
import { scaled } from '../../test/support/timing.js';
import { markStoppedSteps } from './interrupted.js';
import { runUnattended } from './scheduler.js';
import { harness, responder, type Harness } from './test-support.js';

const pgOk = await postgresUp();
const WHY = 'opsbook stopped (SIGTERM)';
const REASON = 'interrupted: opsbook stopped (SIGTERM) while the step ran';
const runbook = (script: string) => `# Web\n\n## RB-1: Wait\n\n**Diagnosis:**\n\`\`\`bash\n${script}\n\`\`\`\n`;

describe.each(storeTargets('opsbook-stop-steps', { migrated: true }))('a clean stop with runbook steps running ($name)', (target) => {
  const open: Harness[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const h of open.splice(0)) await h.cleanup();
    for (const c of cleanups.splice(0)) await c();
  });

  async function setup(script: string): Promise<Harness> {
    const db = await target.open();
    cleanups.push(db.cleanup);
    const h = await harness({ config: { services: [{ id: 'web', shell: { cwd: '.' } }] }, runbooks: [{ file: 'web.md', text: runbook(script) }], clock: 'system', storeUrl: db.url });
    open.push(h);
    return h;
  }

  const runningWith = (h: Harness, id: string, stdout: string) =>
    expect.poll(async () => (await h.service.transcript(id)).map((e) => [e.status, e.stdout]), { timeout: scaled(20_000), interval: 100 }).toEqual([['running', stdout]]);

  it.skipIf(target.name === 'postgres' && !pgOk)('stops a step still running at the deadline and records it interrupted, with its output and why; no step starts meanwhile', async () => {
    const h = await setup('echo waiting && sleep 30');
    const { id } = await h.service.start('web.md#RB-1', responder, { service: 'web' });
    const { id: other } = await h.service.start('web.md#RB-1', responder, { service: 'web' });
    const run = h.service.runStep(id, 1, responder);
    await runningWith(h, id, 'waiting\n');

    const stopping = h.service.stopRunning({ deadline: Date.now(), why: WHY });
    await expect(h.service.runStep(other, 1, responder)).rejects.toMatchObject({ code: 'OPSBOOK_E_STOPPING' });
    expect(await stopping).toBe(1);
    expect(await run).toMatchObject({ status: 'interrupted', reason: REASON });
    const [entry] = await h.service.transcript(id);
    expect(entry).toMatchObject({ status: 'interrupted', stdout: 'waiting\n', data: { reason: REASON } });
    expect(entry!.stderr).toContain(`opsbook: ${REASON}: the command still ran when the shutdown grace (server.shutdown_timeout) ended and was stopped`);
    expect(entry!.durationMs).not.toBeNull();
    const audit = await listAudit(h.store.db, { subject: `execution:${id}` });
    expect(audit.map((a) => a.action)).toEqual(['execution.start', 'execution.command.start', 'execution.command.interrupted']);
    expect(await h.store.db.selectFrom('running_steps').selectAll().execute()).toEqual([]);
    expect(await h.service.transcript(other)).toEqual([]);
  });

  it.skipIf(target.name === 'postgres' && !pgOk)('lets a step that ends within the grace end as it does', async () => {
    const h = await setup('echo waiting && while [ ! -e go ]; do sleep 0.1; done && echo done');
    const { id } = await h.service.start('web.md#RB-1', responder, { service: 'web' });
    const run = h.service.runStep(id, 1, responder);
    await runningWith(h, id, 'waiting\n');
    const stopping = h.service.stopRunning({ deadline: Date.now() + scaled(60_000), why: WHY });
    writeFileSync(join(h.dir, 'go'), '');
    expect(await stopping).toBe(0);
    expect((await run).status).toBe('ok');
    expect((await h.service.transcript(id)).map((e) => [e.status, e.stdout])).toEqual([['ok', 'waiting\ndone\n']]);
  });

  it.skipIf(target.name === 'postgres' && !pgOk)('finishes a scheduled run it interrupted as incomplete, saying so', async () => {
    const h = await setup('echo waiting && sleep 30');
    const scheduled = runUnattended(h.service, 'web.md#RB-1');
    await expect.poll(async () => (await h.service.listExecutions()).length, { timeout: scaled(20_000), interval: 100 }).toBe(1);
    const [execution] = await h.service.listExecutions();
    await runningWith(h, execution!.id, 'waiting\n');
    await h.service.stopRunning({ deadline: Date.now(), why: WHY });
    expect((await scheduled).outcome).toEqual({ state: 'incomplete', reasons: ['step 1 was interrupted: opsbook stopped while it ran'] });
  });

  it.skipIf(target.name === 'postgres' && !pgOk)('marks the entry of a run whose command did not end, fenced by its take: the run\'s late result is only a note', async () => {
    const h = await setup('echo waiting && sleep 30');
    const { id } = await h.service.start('web.md#RB-1', responder, { service: 'web' });
    const run = h.service.runStep(id, 1, responder);
    await runningWith(h, id, 'waiting\n');
    const claim = h.service.inProcess.claims.get(`${id}#1`)!;
    const marked = await markStoppedSteps(h.service.deps, [claim], `${REASON}: its command did not end when stopped`, { reason: REASON });
    expect(marked.map((e) => [e.step, e.status])).toEqual([[1, 'interrupted']]);
    // A take that no longer holds the step marks nothing.
    expect(await markStoppedSteps(h.service.deps, [{ ...claim, epoch: claim.epoch + 1 }], 'stale', {})).toEqual([]);
    expect(await h.store.db.selectFrom('running_steps').selectAll().execute()).toEqual([]);
    h.service.inProcess.end(id);
    await expect(run).rejects.toMatchObject({ code: 'OPSBOOK_E_FENCED' });
    const entries = await h.service.transcript(id);
    expect(entries.map((e) => [e.kind, e.status])).toEqual([['command', 'interrupted'], ['note', 'noted']]);
    expect(entries[0]!.stderr).toBe(`opsbook: ${REASON}: its command did not end when stopped\n`);
    expect(entries[0]!.stdout).toBe('waiting\n');
  });
});
