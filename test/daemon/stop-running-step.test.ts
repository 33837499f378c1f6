/**
 * `opsbook serve` stopped cleanly (SIGTERM) while a runbook step runs `sleep 600`: the step gets the
 * shutdown grace (`server.shutdown_timeout`, 1 s here), then its process group is ended (SIGTERM,
 * SIGKILL a few seconds later) and the stopping process itself records the step as interrupted, with
 * the reason and the output captured, before it exits. Nothing of the step outlives opsbook, and no
 * other process (none runs here) nor a restart is needed to mark it.
 * Real `opsbook serve` child processes on a real SQLite file and a real PostgreSQL.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { runCli, serveCli, waitForExit, type ServedCli } from '../support/cli.js';
import { scaled } from '../support/timing.js';
import { createTestDatabase, postgresUp } from '../support/services.js';
import { groupAlive, groupEnds, killServedAndGroup } from '../support/process-groups.js';

const pgOk = await postgresUp();

const agents: http.Agent[] = [];
afterAll(() => {
  for (const a of agents.splice(0)) a.destroy();
});

/** POSTs `body` as JSON through `agent`; the status and the Connection header of the answer. */
function postKeptAlive(agent: http.Agent, url: string, headers: Record<string, string>, body: unknown): Promise<{ status: number | undefined; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe.concurrent.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('a step running when opsbook serve stops cleanly (%s store)', (_name, onPostgres) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let served: ServedCli | undefined;
  let group: number | undefined;

  afterAll(async () => {
    await killServedAndGroup(served, group);
    if (served) fs.rmSync(served.dir, { recursive: true, force: true });
    await db?.drop();
  });

  it.skipIf(onPostgres && !pgOk)('has its process group ended and is marked interrupted, with the reason and its output, by the stopping process', async ({ expect }) => {
    db = onPostgres ? await createTestDatabase('opsbook_stop_step') : undefined;
    const storage = db ? `storage:\n  url: ${db.url}\n` : '';
    served = await serveCli('stop-step', {
      'ops.yaml': `server:\n  shutdown_timeout: 1s\n${storage}users:\n  - { name: res, role: responder }\nservices:\n  - { id: web, shell: { cwd: . } }\nrunbooks:\n  - runbooks/*.md\n`,
      'runbooks/restart.md': '# Web\n\n## RB-1: Restart web\n\n**Mitigation:**\n```bash\necho started $$ && sleep 600\n```\n',
    });
    const { url, config, dir } = served;
    const token = (await runCli(['token', 'create', '--user', 'res', '--name', 'test', '--config', config])).stdout.trim();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const started = await fetch(`${url}/api/executions`, { method: 'POST', headers, body: JSON.stringify({ procedure: 'runbooks/restart.md#RB-1', service: 'web' }) });
    const execution = (await started.json()) as { id: string };
    expect(started.status, JSON.stringify(execution)).toBe(201);
    const id = execution.id;
    // A client that keeps its connections open (as a browser or a proxy does): the request in flight
    // at the stop is answered, and its connection closed by opsbook, which does not wait for the client.
    const agent = new http.Agent({ keepAlive: true });
    agents.push(agent);
    const answered = postKeptAlive(agent, `${url}/api/executions/${id}/steps/1/run`, headers, { yes: true });
    const stdout = async () => ((await (await fetch(`${url}/api/executions/${id}`, { headers })).json()) as { transcript: Array<{ stdout: string }> }).transcript[0]?.stdout ?? '';
    // The output is saved while the command runs: its shell's pid leads the step's process group.
    await expect.poll(stdout, { timeout: scaled(20_000), interval: 200 }).toMatch(/^started \d+\n$/);
    group = Number(/\d+/.exec(await stdout())![0]);
    expect(groupAlive(group)).toBe(true);

    const exited = waitForExit(served.child);
    served.child.kill('SIGTERM');
    const exit = await exited;
    expect(exit.code, served.output()).toBe(0);
    const answer = await answered;
    expect(answer.status, 'the step run in flight is answered').toBe(200);
    expect(answer.connection, 'the answer given during the stop closes its connection').toBe('close');

    // What the stopping process left in the store: nobody else runs on it.
    const store = await openStore({ url: db ? db.url : path.join(dir, '.opsbook', 'opsbook.db') });
    try {
      const entries = await store.db.selectFrom('execution_entries').selectAll().where('execution_id', '=', id).orderBy('seq').execute();
      expect.soft(entries.map((e) => e.status), 'the step is marked interrupted').toEqual(['interrupted']);
      expect.soft(entries[0]?.stdout, 'its output kept').toBe(`started ${group}\n`);
      expect.soft(entries[0]?.stderr).toContain('interrupted: opsbook stopped (SIGTERM) while the step ran');
      const audit = (await store.db.selectFrom('audit_log').select(['action', 'details']).where('subject', '=', `execution:${id}`).execute()).map((a) => a.action);
      expect.soft(audit).toContain('execution.command.interrupted');
      const held = await store.db.selectFrom('running_steps').selectAll().where('execution_id', '=', id).execute();
      expect.soft(held, 'the step is given back').toEqual([]);
    } finally {
      await store.close();
    }
    // The step's process group was ended before opsbook exited (or just after: it was signalled).
    expect(await groupEnds(group, scaled(10_000)), "the step's process group is gone").toBe(true);
  });
});

describe.each([
  ['ends on SIGTERM', 'echo started $$ && sleep 600'],
  // The subshell and its sleep ignore SIGTERM and stay in the step's process group after its shell ends.
  ["ignores SIGTERM (`trap '' TERM`)", "(trap '' TERM && echo started $$ && sleep 600)"],
])('a step running when opsbook serve is forced out by a second signal, whose command %s', (_name, command) => {
  let served: ServedCli | undefined;
  let group: number | undefined;

  afterAll(async () => {
    await killServedAndGroup(served, group);
    if (served) fs.rmSync(served.dir, { recursive: true, force: true });
  });

  it('has its process group ended when opsbook exits', async () => {
    // A long grace: the first SIGTERM leaves the step running, the second forces the exit.
    served = await serveCli('stop-step-forced', {
      'ops.yaml': 'server:\n  shutdown_timeout: 5m\nusers:\n  - { name: res, role: responder }\nservices:\n  - { id: web, shell: { cwd: . } }\nrunbooks:\n  - runbooks/*.md\n',
      'runbooks/restart.md': `# Web\n\n## RB-1: Restart web\n\n**Mitigation:**\n\`\`\`bash\n${command}\n\`\`\`\n`,
    });
    const { url, config } = served;
    const token = (await runCli(['token', 'create', '--user', 'res', '--name', 'test', '--config', config])).stdout.trim();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const started = await fetch(`${url}/api/executions`, { method: 'POST', headers, body: JSON.stringify({ procedure: 'runbooks/restart.md#RB-1', service: 'web' }) });
    const { id } = (await started.json()) as { id: string };
    void fetch(`${url}/api/executions/${id}/steps/1/run`, { method: 'POST', headers, body: JSON.stringify({ yes: true }) }).catch(() => {});
    const stdout = async () => ((await (await fetch(`${url}/api/executions/${id}`, { headers })).json()) as { transcript: Array<{ stdout: string }> }).transcript[0]?.stdout ?? '';
    await expect.poll(stdout, { timeout: scaled(20_000), interval: 200 }).toMatch(/^started \d+\n$/);
    group = Number(/\d+/.exec(await stdout())![0]);

    const exited = waitForExit(served.child);
    served.child.kill('SIGTERM');
    await expect.poll(() => served!.output(), { timeout: scaled(20_000), interval: 100 }).toContain('shutting down');
    expect(groupAlive(group), 'the step runs on through the grace').toBe(true);
    served.child.kill('SIGTERM');
    expect((await exited).code, served.output()).toBe(1);
    expect(await groupEnds(group, scaled(10_000)), "the step's process group is gone").toBe(true);
  });
});
