/**
 * `opsbook incident` against a running daemon (`--server/--token`, and OPSBOOK_SERVER /
 * OPSBOOK_TOKEN) and against the local store, and `opsbook incident review` writing the
 * post-incident review.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serveCli, type ServedCli } from '../support/cli.js';

describe('opsbook incident', () => {
  let config: string;
  let base: string;
  let token: string;
  let server: ServedCli | undefined;
  let incidentId: string;

  beforeAll(async () => {
    server = await serveCli('incident-cli', { 'ops.yaml': 'users:\n  - name: ana\n    role: responder\n  - name: vic\n    role: viewer\n' });
    ({ config, url: base } = server);
    token = (await runCli(['token', 'create', '--user', 'ana', '--config', config])).stdout.trim();
    const created = await fetch(`${base}/api/incidents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Email queue over 1000', severity: 'P2', service: 'nova' }),
    });
    expect(created.status).toBe(201);
    incidentId = ((await created.json()) as { id: string }).id;
  });

  afterAll(async () => {
    await server?.close();
  });

  it('lists and acknowledges through a running daemon with --server and --token', async () => {
    const list = await runCli(['incident', 'list', '--server', base, '--token', token, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as Array<{ id: string; severity: string }>).map((i) => [i.id, i.severity])).toEqual([[incidentId, 'P2']]);
    const ack = await runCli(['incident', 'ack', incidentId, '--note', 'looking'], { env: { OPSBOOK_SERVER: base, OPSBOOK_TOKEN: token } });
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toContain('acknowledged');
  });

  it('gives an incident a title of its own, through the daemon and on the local store', async () => {
    const remote = await runCli(['incident', 'title', incidentId, 'Email queue backs up', '--server', base, '--token', token]);
    expect(remote.code, remote.stderr).toBe(0);
    expect(remote.stdout).toBe(`${incidentId} is now titled "Email queue backs up"\n`);
    const local = await runCli(['incident', 'title', incidentId, 'Email queue over 1000', '--config', config, '--as', 'ana']);
    expect(local.code, local.stderr).toBe(0);
    expect(local.stdout).toBe(`${incidentId} is now titled "Email queue over 1000"\n`);
    const empty = await runCli(['incident', 'title', incidentId, ' ', '--config', config, '--as', 'ana']);
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain('OPSBOOK_E_INCIDENT_INVALID');
  });

  it('reports the daemon’s own error code and refuses a viewer acting', async () => {
    const viewer = (await runCli(['token', 'create', '--user', 'vic', '--config', config])).stdout.trim();
    const r = await runCli(['incident', 'resolve', incidentId, '--server', base, '--token', viewer]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('OPSBOOK_E_FORBIDDEN');
  });

  it('notes and resolves on the local store, then writes the review', async () => {
    const note = await runCli(['incident', 'note', incidentId, 'follow-up: alert on queue growth rate', '--config', config, '--as', 'ana']);
    expect(note.code, note.stderr).toBe(0);
    const resolved = await runCli(['incident', 'resolve', incidentId, '--config', config, '--as', 'ana']);
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(resolved.stdout).toBe(`${incidentId} is now resolved\n`);
    // Resolving again (the alerts got there first, or a colleague) changes nothing, and says so, locally and through the daemon.
    const again = await runCli(['incident', 'resolve', incidentId, '--config', config, '--as', 'ana']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^${incidentId} was already resolved \\(since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\); nothing changed\\n$`));
    const remote = await runCli(['incident', 'resolve', incidentId, '--server', base, '--token', token]);
    expect(remote.code, remote.stderr).toBe(0);
    expect(remote.stdout).toMatch(new RegExp(`^${incidentId} was already resolved `));
    const review = await runCli(['incident', 'review', incidentId, '--config', config]);
    expect(review.code, review.stderr).toBe(0);
    expect(review.stdout).toContain('# Post-incident review: Email queue over 1000');
    expect(review.stdout).toMatch(/time to acknowledge \| \d+ (ms|s|min)( \d+ s)? \| 1h, due \S+Z \(within target\)/);
    expect(review.stdout).toMatch(/^\| alert on queue growth rate \| \w+ \| YYYY-MM-DD \|$/m); // an action item with its owner and a due date to fill
    expect(review.stdout).toMatch(/\*\*status\*\* ana: acknowledged/);
  });
});
