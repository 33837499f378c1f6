/**
 * A step run by `opsbook run` on PostgreSQL outside a cluster, whose process is killed while it
 * runs (SIGKILL: no handler, no clean-up): while it lives the step is its own (another process is
 * refused, nothing is marked); once its heartbeat lapses, another process marks the step interrupted
 * and can run it again. Real child process, real PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { listExecutions } from '../../src/executions/index.js';
import { responder } from '../../src/executions/test-support.js';
import { startCli, waitForExit } from '../support/cli.js';
import { postgresUp } from '../support/services.js';
import { cliRunOnPostgres, prepareCliRun } from '../support/cli-run-postgres.js';
import { scaled } from '../support/timing.js';

const pgOk = await postgresUp();
// Runs until killed the first time; at once when run again.
const RUNBOOK = '# Web\n\n## RB-1: Restart web\n\n**Mitigation:**\n```bash\ntest -f once || { touch once; echo started $$; sleep 600; }\n```\n';

describe.skipIf(!pgOk)('a step whose `opsbook run` is killed on PostgreSQL outside a cluster', () => {
  const t = cliRunOnPostgres();

  it('is refused to others while it lives, and marked interrupted once its heartbeat lapses', async () => {
    // Another opsbook process on the same database (it migrates it), with the same runbook.
    const { h, config } = await prepareCliRun(t, 'opsbook_run_killed', { file: 'runbooks/restart.md', text: RUNBOOK });

    const child = (t.child = startCli(['run', 'runbooks/restart.md#RB-1', '--service', 'web', '--step', '1', '--yes', '--keep-open', '--as', 'res', '--config', config]));
    await expect.poll(async () => (await listExecutions(h!.store)).length, { timeout: scaled(30_000), interval: 200 }).toBe(1);
    const [execution] = await listExecutions(h.store);
    const id = execution!.id;
    // Its output so far is saved while the command runs (every 2 s).
    await expect
      .poll(async () => (await h!.service.transcript(id)).map((e) => [e.status, e.stdout]), { timeout: scaled(30_000), interval: 200 })
      .toEqual([['running', expect.stringMatching(/^started \d+\n$/)]]);
    const [running] = await h.service.transcript(id);
    // The step's shell leads its own process group, which outlives a killed opsbook: stopped at the end.
    t.group = Number(/\d+/.exec(running!.stdout)![0]);
    expect(String(running!.data.runner)).toMatch(/^run_/);

    // While it lives: nothing is marked, and a press from this process is refused, naming who runs it.
    expect(await h.service.markInterrupted()).toEqual([]);
    await expect.soft(h.service.runStep(id, 1, responder, { yes: true })).rejects.toMatchObject({ code: 'OPSBOOK_E_EXECUTION_STATE', message: expect.stringContaining(`step 1 of execution ${id} is running (started by res)`) });

    const killed = waitForExit(child.child);
    child.child.kill('SIGKILL');
    await killed;

    // Its heartbeat lapses a lease (storage.cluster.lease, 10 s) after its last renewal, by the database's clock.
    await expect
      .poll(async () => (await h!.service.markInterrupted()).map((e) => [e.id, e.status]), { timeout: scaled(60_000), interval: 500 })
      .toEqual([[running!.id, 'interrupted']]);
    const [interrupted] = await h.service.transcript(id);
    expect(interrupted).toMatchObject({ id: running!.id, status: 'interrupted', actor: 'res', stdout: running!.stdout });
    expect(interrupted!.stderr).toContain('opsbook stopped while this step ran');

    // The interrupted step does not block a new run.
    expect((await h.service.runStep(id, 1, responder, { yes: true })).status).toBe('ok');
    expect((await h.service.transcript(id)).map((e) => [e.step, e.status, e.actor])).toEqual([[1, 'interrupted', 'res'], [1, 'ok', 'ana']]);
  });
});
