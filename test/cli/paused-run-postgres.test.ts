/**
 * A step run by `opsbook run` on PostgreSQL outside a cluster, whose process is paused (SIGSTOP: a
 * frozen VM, a long GC) past its heartbeat while the command runs: another process marks the step
 * interrupted and runs it again; when the paused process wakes and its command ends, fencing
 * refuses its result as the step's (the interrupted entry stays interrupted, the new run's result
 * stands, the rest of its step does not run) and its late output is kept as a note. Real child
 * process, real PostgreSQL, real signals.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listExecutions } from '../../src/executions/index.js';
import { responder } from '../../src/executions/test-support.js';
import { startCli, waitForExit } from '../support/cli.js';
import { postgresUp } from '../support/services.js';
import { cliRunOnPostgres, prepareCliRun } from '../support/cli-run-postgres.js';
import { scaled } from '../support/timing.js';

const pgOk = await postgresUp();
// Command 1 waits for the file `go` the first time (the paused process's run) and answers at once
// when run again; command 2 counts its runs.
const RUNBOOK = [
  '# Web', '', '## RB-1: Look at web', '', '**Diagnosis:**', '```bash',
  'if [ -f first ]; then echo new; else touch first; echo started $$; until [ -f go ]; do sleep 0.1; done; echo late; touch done; fi',
  'echo second >> seconds.txt',
  '```', '',
].join('\n');

describe.skipIf(!pgOk)('a step whose `opsbook run` is paused past its heartbeat on PostgreSQL outside a cluster', () => {
  const t = cliRunOnPostgres();

  it('refuses what it writes when it wakes: the interrupted entry and the new run stand, its late output is a note', async () => {
    // The shortest lease: its heartbeat lapses 2 s after its last renewal.
    const { dir, h, config } = await prepareCliRun(t, 'opsbook_run_paused', { file: 'runbooks/look.md', text: RUNBOOK }, '  cluster: { lease: 2s }\n');

    const child = (t.child = startCli(['run', 'runbooks/look.md#RB-1', '--service', 'web', '--step', '1', '--yes', '--keep-open', '--as', 'res', '--config', config]));
    await expect.poll(async () => (await listExecutions(h!.store)).length, { timeout: scaled(30_000), interval: 200 }).toBe(1);
    const id = (await listExecutions(h.store))[0]!.id;
    await expect
      .poll(async () => (await h!.service.transcript(id)).map((e) => [e.status, e.stdout]), { timeout: scaled(30_000), interval: 200 })
      .toEqual([['running', expect.stringMatching(/^started \d+\n$/)]]);
    const [running] = await h.service.transcript(id);
    t.group = Number(/\d+/.exec(running!.stdout)![0]);
    expect(String(running!.data.runner)).toMatch(/^run_/);

    // Paused: only opsbook (the step's shell leads its own process group and keeps waiting for `go`).
    child.child.kill('SIGSTOP');
    await expect
      .poll(async () => (await h!.service.markInterrupted()).map((e) => [e.id, e.status]), { timeout: scaled(60_000), interval: 500 })
      .toEqual([[running!.id, 'interrupted']]);
    // Another process runs the step again.
    expect((await h.service.runStep(id, 1, responder, { yes: true })).status).toBe('ok');
    const taken = await h.service.transcript(id);
    expect(taken.map((e) => [e.step, e.command, e.status, e.actor])).toEqual([[1, 1, 'interrupted', 'res'], [1, 1, 'ok', 'ana'], [1, 2, 'ok', 'ana']]);

    // Its command ends while opsbook is paused; then opsbook wakes and writes what it has.
    fs.writeFileSync(path.join(dir, 'go'), '');
    await expect.poll(() => fs.existsSync(path.join(dir!, 'done')), { timeout: scaled(30_000), interval: 100 }).toBe(true);
    const exited = waitForExit(child.child);
    child.child.kill('SIGCONT');
    const { code } = await exited;
    expect(code, child.output()).toBe(1);
    expect(child.output()).toContain('OPSBOOK_E_FENCED');
    expect(child.output()).toContain(`step 1 of execution ${id} was taken from this opsbook process`);

    const after = await h.service.transcript(id);
    expect(after.slice(0, 3)).toEqual(taken);
    expect(after.slice(3).map((e) => [e.kind, e.step, e.command, e.status, e.actor, e.stdout])).toEqual([['note', 1, 1, 'noted', 'res', expect.stringMatching(/^started \d+\nlate\n$/)]]);
    expect(after[3]!.data).toMatchObject({ lateResultOf: running!.id, runner: running!.data.runner, status: 'ok', exitCode: 0 });
    expect(fs.readFileSync(path.join(dir, 'seconds.txt'), 'utf8')).toBe('second\n');
    expect(await h.store.db.selectFrom('running_steps').selectAll().execute()).toEqual([]);
  });
});
