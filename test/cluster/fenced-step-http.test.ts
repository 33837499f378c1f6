/**
 * The refusal an API client gets when fencing refuses what its request ran: a step run through
 * `POST /api/executions/:id/steps/:step/run` on a cluster member that was judged gone while the
 * step's command ran (its membership lapsed), the step taken over and run by another process.
 * The member's late result is kept as a note, not as the step's; the client is answered 409
 * OPSBOOK_E_FENCED saying so — a conflict with the execution's state, not a 500, and not a 503
 * with Retry-After: the step has run elsewhere, and retrying the request would run it again. One
 * daemon in-process on PostgreSQL over real HTTP on loopback; the step's command a real shell.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExecutionService, InProcessExecutions } from '../../src/executions/index.js';
import { clusterDaemon, clusterStorage } from '../support/cluster-daemon.js';
import { apiTokens, listenOnLoopback } from '../support/daemon-app.js';
import { postgresUp } from '../support/services.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
// Made only when the suite runs, so a skipped one leaves nothing behind.
const work = pgUp ? mkdtempSync(path.join(tmpdir(), 'opsbook-fenced-step-')) : '';
// The member's run waits for `go`; the process that takes the step over answers at once.
if (pgUp) writeFileSync(path.join(work, 'web.md'), [
  '# Web', '', '## RB-1: Look', '', '**Diagnosis:**', '```bash',
  'if [ -f first ]; then echo new; else touch first; until [ -f go ]; do sleep 0.1; done; echo late; fi',
  '```', '',
].join('\n'));

describe.skipIf(!pgUp)('a step run through the API whose member lost the step while it ran', () => {
  const cluster = clusterDaemon({
    prefix: 'fenced-step-http',
    config: (url) =>
      `${clusterStorage(url, 2)}users:\n  - { name: boss, role: admin }\n  - { name: ana, role: responder }\n` +
      `services:\n  - id: web\n    shell: { cwd: ${JSON.stringify(work)} }\nrunbooks:\n  - ${JSON.stringify(path.join(work, '*.md'))}\n`,
  });
  afterAll(() => {
    writeFileSync(path.join(work, 'go'), '');
    rmSync(work, { recursive: true, force: true });
  });

  it('answers 409 OPSBOOK_E_FENCED naming the step taken over and the note kept, without Retry-After', async () => {
    const daemon = cluster.server.daemon;
    const service = daemon.executions!;
    const token = (await apiTokens(daemon, 'boss', ['ana'])).ana!;
    const base = await listenOnLoopback(cluster.server.app);
    const ana = { name: 'ana', role: 'responder' as const, via: 'cli' as const };
    const { id } = await service.start(`${service.deps.runbooks[0]!.file}#RB-1`, ana, { service: 'web' });
    const answer = fetch(`${base}/api/executions/${id}/steps/1/run`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ yes: true }) });
    answer.catch(() => {});
    await expect.poll(async () => (await service.transcript(id)).map((e) => e.status), { timeout: scaled(20_000), interval: 100 }).toEqual(['running']);
    const member = String((await service.transcript(id))[0]!.data.runner);
    // `running` is recorded before the shell starts: the take-over must come after the member's command
    // has begun (left its mark), or the second run would wait for `go` in its place.
    await expect.poll(() => existsSync(path.join(work, 'first')), { timeout: scaled(20_000), interval: 50 }).toBe(true);

    // The member is judged gone (its membership lapsed, as when its process is paused past it); another process takes the step over.
    await cluster.store.db.updateTable('cluster_members').set({ expires_at: 0 }).where('id', '=', member).execute();
    const other = new ExecutionService({ ...service.deps, inProcess: new InProcessExecutions('member_other') });
    expect((await other.runStep(id, 1, { ...ana, name: 'bo' }, { yes: true })).status).toBe('ok');

    // The member's command ends; what it writes is refused by fencing, and the client is told.
    writeFileSync(path.join(work, 'go'), '');
    const res = await answer;
    const body = (await res.json()) as { error: { code: string; message: string; request_id?: string } };
    expect({ status: res.status, code: body.error.code, retryAfter: res.headers.get('retry-after') }, JSON.stringify(body)).toEqual({ status: 409, code: 'OPSBOOK_E_FENCED', retryAfter: null });
    expect(body.error.message).toContain(`step 1 of execution ${id} was taken from this opsbook process (${member})`);
    expect(body.error.message).toMatch(/kept as a note \(\w+\), not as the step's result/);
    const transcript = await service.transcript(id);
    expect(transcript.map((e) => [e.kind, e.status, e.actor, e.stdout])).toEqual([
      ['command', 'interrupted', 'ana', ''],
      ['command', 'ok', 'bo', 'new\n'],
      ['note', 'noted', 'ana', 'late\n'],
    ]);
  });
});
