/**
 * `opsbook run --server URL` stopped by SIGTERM (a CI job's time limit, `kill`) while the daemon runs
 * a step does what Ctrl-C does: it cancels the execution on the daemon, which stops the step's
 * process group and records the step cancelled with its output, and it exits 1.
 * A real `opsbook serve` and a real `opsbook run` child process, on a SQLite file.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, serveCli, startCli, waitForExit, type ServedCli } from '../support/cli.js';
import { scaled } from '../support/timing.js';
import { groupAlive } from '../support/process-groups.js';

describe('`opsbook run --server` stopped by SIGTERM while the daemon runs a step', () => {
  let served: ServedCli | undefined;
  let cli: ReturnType<typeof startCli> | undefined;
  let group: number | undefined;

  afterAll(async () => {
    if (cli && cli.child.exitCode === null && cli.child.signalCode === null) {
      const exited = waitForExit(cli.child);
      cli.child.kill('SIGKILL');
      await exited;
    }
    if (group && groupAlive(group)) process.kill(-group, 'SIGKILL');
    await served?.close();
  });

  it('cancels the execution on the daemon (its step stopped and recorded cancelled) and exits 1', async () => {
    served = await serveCli('run-server-sigterm', {
      'ops.yaml': 'users:\n  - { name: res, role: responder }\nservices:\n  - { id: web, shell: { cwd: . } }\nrunbooks:\n  - runbooks/*.md\n',
      'runbooks/restart.md': '# Web\n\n## RB-1: Restart web\n\n**Mitigation:**\n```bash\necho started $$ && sleep 600\n```\n',
    });
    const { url, config } = served;
    const token = (await runCli(['token', 'create', '--user', 'res', '--name', 'test', '--config', config])).stdout.trim();
    const headers = { authorization: `Bearer ${token}` };
    cli = startCli(['run', 'runbooks/restart.md#RB-1', '--service', 'web', '--yes', '--server', url, '--token', token], { env: { OPSBOOK_SERVER: '', OPSBOOK_TOKEN: '' } });
    const list = async () => ((await (await fetch(`${url}/api/executions`, { headers })).json()) as { executions: Array<{ id: string }> }).executions;
    await expect.poll(async () => (await list()).length, { timeout: scaled(30_000), interval: 200 }).toBe(1);
    const id = (await list())[0]!.id;
    const transcript = async () => ((await (await fetch(`${url}/api/executions/${id}`, { headers })).json()) as { state: string; transcript: Array<{ status: string; stdout: string }> });
    await expect.poll(async () => (await transcript()).transcript.map((e) => [e.status, e.stdout]), { timeout: scaled(30_000), interval: 200 }).toEqual([['running', expect.stringMatching(/^started \d+\n$/)]]);
    group = Number(/\d+/.exec((await transcript()).transcript[0]!.stdout)![0]);

    const exited = waitForExit(cli.child);
    cli.child.kill('SIGTERM');
    expect.soft(await exited, cli.output()).toMatchObject({ code: 1, signal: null });
    expect.soft(cli.output()).toContain(`execution ${id} cancelled`);
    await expect.poll(async () => (await transcript()).transcript.map((e) => [e.status, e.stdout]), { timeout: scaled(30_000), interval: 200 }).toEqual([['cancelled', `started ${group}\n`]]);
    expect((await transcript()).state).toBe('cancelled');
    await expect.poll(() => groupAlive(group!), { timeout: scaled(20_000), interval: 100 }).toBe(false);
  });
});
