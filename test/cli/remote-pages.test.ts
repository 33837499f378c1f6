/**
 * Through `--server`, a command shows what it shows on the local store, however many pages the API
 * takes: a long incident timeline, more incidents than one page of `GET /api/incidents` holds, and
 * more executions than one page of `GET /api/executions` (the runs of one procedure among them).
 * A real daemon on loopback; the same store read locally with `--config`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serveCli, type ServedCli } from '../support/cli.js';

/** More than the API's largest page of incidents (500). */
const INCIDENTS = 520;
const NOTES = 700;
/** Runs of RB-1, then more runs of RB-2 than one page of executions (500) holds. */
const OLD_RUNS = 3;
const NEW_RUNS = 505;
const RUNBOOK = '# Web\n\n## RB-1: Look at web\n\n**Diagnosis:**\n```bash\necho look\n```\n\n## RB-2: Look again\n\n**Diagnosis:**\n```bash\necho again\n```\n';

describe('--server reads every page', () => {
  let server: ServedCli | undefined;
  let token: string;
  let longId: string;

  async function api(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${server!.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return res.json();
  }

  beforeAll(async () => {
    server = await serveCli('remote-pages', {
      'ops.yaml': 'users:\n  - name: ana\n    role: responder\nservices:\n  - { id: web, shell: { cwd: . } }\nrunbooks:\n  - runbooks/*.md\n',
      'runbooks/web.md': RUNBOOK,
    });
    token = (await runCli(['token', 'create', '--user', 'ana', '--config', server.config])).stdout.trim();
    const ids: string[] = [];
    for (let i = 0; i < INCIDENTS; i++) ids.push(((await api('POST', '/api/incidents', { title: `incident ${i}`, severity: 'P3' })) as { id: string }).id);
    longId = ids[0]!;
    for (let i = 0; i < NOTES; i++) await api('POST', `/api/incidents/${longId}/notes`, { text: `note ${i}` });
    for (let i = 0; i < OLD_RUNS; i++) await api('POST', '/api/executions', { procedure: 'runbooks/web.md#RB-1', service: 'web' });
    for (let i = 0; i < NEW_RUNS; i++) await api('POST', '/api/executions', { procedure: 'runbooks/web.md#RB-2', service: 'web' });
  }, 600_000);

  afterAll(async () => {
    await server?.close();
  });

  const remote = () => ['--server', server!.url, '--token', token];
  const local = () => ['--config', server!.config, '--as', 'ana'];

  it('incident show: the whole timeline, as the local store shows it', async () => {
    const [there, here] = await Promise.all([runCli(['incident', 'show', longId, ...remote()]), runCli(['incident', 'show', longId, ...local()])]);
    expect(there.code, there.stderr).toBe(0);
    expect(here.code, here.stderr).toBe(0);
    const notes = (out: string) => out.split('\n').filter((l) => / note {2,}ana: note \d+$/.test(l)).length;
    expect(notes(here.stdout)).toBe(NOTES);
    expect(notes(there.stdout)).toBe(NOTES);
    const timeline = (out: string) => out.split('\n').filter((l) => l.startsWith('  '));
    expect(timeline(there.stdout)).toEqual(timeline(here.stdout));
    const json = await runCli(['incident', 'show', longId, ...remote(), '--json']);
    expect((JSON.parse(json.stdout) as { timeline: unknown[] }).timeline.length).toBe(timeline(here.stdout).length);
  }, 120_000);

  it('incident list: --limit past one page of the API, as the local store lists them', async () => {
    const args = ['incident', 'list', '--limit', String(INCIDENTS), '--json'];
    const [there, here] = await Promise.all([runCli([...args, ...remote()]), runCli([...args, ...local()])]);
    expect(there.code, there.stderr).toBe(0);
    expect(here.code, here.stderr).toBe(0);
    const ids = (out: string) => (JSON.parse(out) as Array<{ id: string }>).map((i) => i.id);
    expect(ids(here.stdout)).toHaveLength(INCIDENTS);
    expect(ids(there.stdout)).toEqual(ids(here.stdout));
    // Fewer than asked for: what there is, once.
    const few = await runCli(['incident', 'list', '--limit', '7', '--json', ...remote()]);
    expect(ids(few.stdout)).toEqual(ids(here.stdout).slice(0, 7));
  }, 120_000);

  it('execution list: every run, and every run of one procedure, as the local store lists them', async () => {
    const ids = (out: string) => (JSON.parse(out) as Array<{ id: string }>).map((e) => e.id);
    for (const only of [[], ['--procedure', 'runbooks/web.md#RB-1']]) {
      const args = ['execution', 'list', '--json', ...only];
      const [there, here] = await Promise.all([runCli([...args, ...remote().slice(0, 4)]), runCli([...args, '--config', server!.config])]);
      expect(there.code, there.stderr).toBe(0);
      expect(here.code, here.stderr).toBe(0);
      expect(ids(here.stdout)).toHaveLength(only.length === 0 ? OLD_RUNS + NEW_RUNS : OLD_RUNS);
      expect(ids(there.stdout), only.join(' ') || 'all').toEqual(ids(here.stdout));
    }
  }, 120_000);
});
