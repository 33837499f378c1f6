/**
 * `opsbook run` stopped by SIGTERM (a CI job's timeout, `kill`) or SIGHUP (its terminal closed) while
 * a step runs does what Ctrl-C does: the step's process group is stopped, the step is recorded
 * cancelled with its output, the execution is cancelled, and it exits 1. Before, the signal ended the
 * process at once: the step's group outlived it and its entry stayed `running` until another process
 * found the runner gone. A second signal during the step's grace exits at once, its process group
 * sent SIGKILL first (before, Node's default ended opsbook and a step ignoring SIGTERM outlived it).
 * Real child processes, real PostgreSQL (outside a cluster).
 */
import { describe, expect, it } from 'vitest';
import { listExecutions } from '../../src/executions/index.js';
import { startCli, waitForExit } from '../support/cli.js';
import { postgresUp } from '../support/services.js';
import { cliRunOnPostgres, prepareCliRun } from '../support/cli-run-postgres.js';
import { scaled } from '../support/timing.js';
import { groupAlive } from '../support/process-groups.js';

const pgOk = await postgresUp();
const RUNBOOK = '# Web\n\n## RB-1: Restart web\n\n**Mitigation:**\n```bash\necho started $$ && sleep 600\n```\n';

describe.skipIf(!pgOk).each(['SIGTERM', 'SIGHUP'] as const)('`opsbook run` stopped by %s while a step runs', (signal) => {
  const t = cliRunOnPostgres();

  it('stops the step\'s process group, records it cancelled with its output, cancels the execution and exits 1', async () => {
    const { h, config } = await prepareCliRun(t, `opsbook_run_${signal.toLowerCase()}`, { file: 'runbooks/restart.md', text: RUNBOOK });
    const child = (t.child = startCli(['run', 'runbooks/restart.md#RB-1', '--service', 'web', '--yes', '--as', 'res', '--config', config]));
    await expect.poll(async () => (await listExecutions(h.store)).length, { timeout: scaled(30_000), interval: 200 }).toBe(1);
    const [execution] = await listExecutions(h.store);
    const id = execution!.id;
    await expect
      .poll(async () => (await h.service.transcript(id)).map((e) => [e.status, e.stdout]), { timeout: scaled(30_000), interval: 200 })
      .toEqual([['running', expect.stringMatching(/^started \d+\n$/)]]);
    const group = (t.group = Number(/\d+/.exec((await h.service.transcript(id))[0]!.stdout)![0]));

    const exited = waitForExit(child.child);
    child.child.kill(signal);
    const exit = await exited;
    expect.soft(exit, child.output()).toMatchObject({ code: 1, signal: null });
    expect.soft(groupAlive(group), "the step's process group is gone").toBe(false);
    expect((await h.service.transcript(id)).map((e) => [e.status, e.stdout])).toEqual([['cancelled', `started ${group}\n`]]);
    expect((await h.service.get(id)).state).toBe('cancelled');
  });
});

describe.skipIf(!pgOk)('`opsbook run` stopped by a second SIGTERM while its step ignores SIGTERM', () => {
  const t = cliRunOnPostgres();
  // A single command: bash runs it in place, so the step's group leader itself ignores SIGTERM.
  const trapped = '# Web\n\n## RB-1: Restart web\n\n**Mitigation:**\n```bash\nbash -c "trap \'\' TERM; echo started \\$\\$; sleep 600"\n```\n';

  it("ends the step's process group before it exits 1", async () => {
    const { h, config } = await prepareCliRun(t, 'opsbook_run_forced', { file: 'runbooks/restart.md', text: trapped });
    const child = (t.child = startCli(['run', 'runbooks/restart.md#RB-1', '--service', 'web', '--yes', '--as', 'res', '--config', config]));
    await expect.poll(async () => (await listExecutions(h.store)).length, { timeout: scaled(30_000), interval: 200 }).toBe(1);
    const id = (await listExecutions(h.store))[0]!.id;
    await expect
      .poll(async () => (await h.service.transcript(id)).map((e) => [e.status, e.stdout]), { timeout: scaled(30_000), interval: 200 })
      .toEqual([['running', expect.stringMatching(/^started \d+\n$/)]]);
    const group = (t.group = Number(/\d+/.exec((await h.service.transcript(id))[0]!.stdout)![0]));

    const exited = waitForExit(child.child);
    child.child.kill('SIGTERM');
    // The second signal comes while the step's command is given its grace (it ignores the first).
    await new Promise((r) => setTimeout(r, 300));
    child.child.kill('SIGTERM');
    expect.soft(await exited, child.output()).toMatchObject({ code: 1, signal: null });
    await expect.poll(() => groupAlive(group), { timeout: scaled(10_000), interval: 100 }).toBe(false);
  });
});
