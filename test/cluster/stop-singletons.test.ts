/**
 * A member stopping cleanly (SIGTERM) gives its singletons lease (scheduled procedures, SLOs, rule
 * files, retention, shift reminders) back when its drain begins: another member takes it at its next
 * round, while the stopping one still drains, rather than a lease after the stopping one has left.
 *
 * Two real `opsbook serve` processes on one fresh PostgreSQL database. `a` starts alone and takes the
 * singletons; `b` joins. A runbook step runs at `a` until the test creates a file, so `a`'s stop
 * (shutdown_timeout 2m) drains as long as the test wants. Before, `a` kept the singletons for its
 * whole drain (up to shutdown_timeout + a lease) and `b` took them only after `a` had left. The step
 * ending within the grace is recorded as it ended (ok), not as interrupted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { runCli, serveCli, waitForExit, type ServedCli } from '../support/cli.js';
import { createTestDatabase, postgresUp } from '../support/services.js';
import { scaled, until } from '../support/timing.js';

const pgUp = await postgresUp();

// Short, for rounds (a third of it) to come within the test; long enough on a loaded machine that
// neither member misses its heartbeats for a whole lease.
const LEASE = `${Math.min(15, Math.ceil(scaled(3_000) / 1000))}s`;

describe.skipIf(!pgUp)('a member stopping cleanly with the singletons lease', () => {
  let db: ScratchDatabase | undefined;
  let store: Store | undefined;
  const members: ServedCli[] = [];

  afterAll(async () => {
    for (const m of members) {
      fs.writeFileSync(path.join(m.dir, 'released'), '');
      if (m.child.exitCode === null && m.child.signalCode === null) {
        const exited = waitForExit(m.child);
        m.child.kill('SIGKILL');
        await exited;
      }
      fs.rmSync(m.dir, { recursive: true, force: true });
    }
    await store?.close();
    await db?.drop();
  });

  const holderOf = async (lease: string) => (await store!.db.selectFrom('cluster_leases').select('holder').where('name', '=', lease).executeTakeFirst())?.holder ?? null;
  const memberOf = async (m: ServedCli) => (await store!.db.selectFrom('cluster_members').select('id').where('pid', '=', m.child.pid!).where('expires_at', '>', Date.now() - 60_000).executeTakeFirst())?.id;
  const alive = (m: ServedCli) => m.child.exitCode === null && m.child.signalCode === null;

  it('gives the singletons back at the start of its drain: the other member takes them while it still drains', async () => {
    db = await createTestDatabase('opsbook_stop_singletons');
    store = await openStore({ url: db.url });
    const files = {
      'ops.yaml': `server:\n  shutdown_timeout: 2m\nstorage:\n  url: "${db.url}"\n  cluster: { lease: ${LEASE}, partitions: 2 }\nusers:\n  - { name: res, role: responder }\nservices:\n  - { id: web, shell: { cwd: . } }\nrunbooks:\n  - runbooks/*.md\n`,
      'runbooks/wait.md': '# Web\n\n## RB-1: Wait for the release\n\n**Mitigation:**\n```bash\necho started && while [ ! -e released ]; do sleep 0.2; done && echo released\n```\n',
    };
    const a = await serveCli('stop-singletons-a', files);
    members.push(a);
    let idA: string | undefined;
    await until('a is a member holding the singletons', async () => (idA = await memberOf(a)) !== undefined && (await holderOf('singletons')) === idA, scaled(30_000));
    const b = await serveCli('stop-singletons-b', files);
    members.push(b);
    let idB: string | undefined;
    await until('b is a member', async () => (idB = await memberOf(b)) !== undefined, scaled(30_000));

    // A step runs at `a` until the test releases it: `a`'s stop drains until then.
    const token = (await runCli(['token', 'create', '--user', 'res', '--name', 'test', '--config', a.config])).stdout.trim();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const started = await fetch(`${a.url}/api/executions`, { method: 'POST', headers, body: JSON.stringify({ procedure: 'runbooks/wait.md#RB-1', service: 'web' }) });
    const { id } = (await started.json()) as { id: string };
    expect(started.status).toBe(201);
    void fetch(`${a.url}/api/executions/${id}/steps/1/run`, { method: 'POST', headers, body: JSON.stringify({ yes: true }) }).catch(() => {});
    const transcript = async () => store!.db.selectFrom('execution_entries').select(['status', 'stdout', 'stderr']).where('execution_id', '=', id).orderBy('seq').execute();
    await expect.poll(async () => (await transcript())[0]?.stdout, { timeout: scaled(20_000), interval: 200 }).toBe('started\n');
    expect(await holderOf('singletons')).toBe(idA);

    const exited = waitForExit(a.child);
    a.child.kill('SIGTERM');
    await expect.poll(() => holderOf('singletons'), { timeout: scaled(30_000), interval: 100 }).toBe(idB);
    expect(alive(a), 'a still drains (its step runs)').toBe(true);

    fs.writeFileSync(path.join(a.dir, 'released'), '');
    const exit = await exited;
    expect(exit.code, a.output()).toBe(0);
    const entries = await transcript();
    expect(entries.map((e) => e.status), 'a step ending within the grace keeps its own result').toEqual(['ok']);
    expect(entries[0]!.stdout).toBe('started\nreleased\n');
  });
});
