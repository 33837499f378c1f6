/**
 * `opsbook incident` against a running daemon (`--server/--token`, and OPSBOOK_SERVER /
 * OPSBOOK_TOKEN) and against the local store, and `opsbook incident review` writing the
 * post-incident review.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, waitForExit } from '../support/cli.js';
import { freePort, waitForHttp } from '../support/net.js';

describe('opsbook incident', () => {
  let dir: string;
  let config: string;
  let base: string;
  let token: string;
  let server: ReturnType<typeof startCli>;
  let incidentId: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-incident-cli-'));
    config = path.join(dir, 'ops.yaml');
    fs.writeFileSync(config, 'users:\n  - name: ana\n    role: responder\n  - name: vic\n    role: viewer\n');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = startCli(['serve', '--config', config, '--port', String(port), '--no-watch']);
    await waitForHttp(`${base}/_health/ready`, 30_000);
    token = (await runCli(['token', 'create', '--user', 'ana', '--config', config])).stdout.trim();
    const created = await fetch(`${base}/api/incidents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Email queue over 1000', severity: 'P2', service: 'nova' }),
    });
    expect(created.status).toBe(201);
    incidentId = ((await created.json()) as { id: string }).id;
  }, 90_000);

  afterAll(async () => {
    server.child.kill('SIGTERM');
    await waitForExit(server.child);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists and acknowledges through a running daemon with --server and --token', async () => {
    const list = await runCli(['incident', 'list', '--server', base, '--token', token, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as Array<{ id: string; severity: string }>).map((i) => [i.id, i.severity])).toEqual([[incidentId, 'P2']]);
    const ack = await runCli(['incident', 'ack', incidentId, '--note', 'looking'], { env: { OPSBOOK_SERVER: base, OPSBOOK_TOKEN: token } });
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toContain('acknowledged');
  }, 60_000);

  it('reports the daemon’s own error code and refuses a viewer acting', async () => {
    const viewer = (await runCli(['token', 'create', '--user', 'vic', '--config', config])).stdout.trim();
    const r = await runCli(['incident', 'resolve', incidentId, '--server', base, '--token', viewer]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('OPSBOOK_E_FORBIDDEN');
  }, 60_000);

  it('notes and resolves on the local store, then writes the review', async () => {
    const note = await runCli(['incident', 'note', incidentId, 'follow-up: alert on queue growth rate', '--config', config, '--as', 'ana']);
    expect(note.code, note.stderr).toBe(0);
    const resolved = await runCli(['incident', 'resolve', incidentId, '--config', config, '--as', 'ana']);
    expect(resolved.code, resolved.stderr).toBe(0);
    const review = await runCli(['incident', 'review', incidentId, '--config', config]);
    expect(review.code, review.stderr).toBe(0);
    expect(review.stdout).toContain('# Post-incident review: Email queue over 1000');
    expect(review.stdout).toMatch(/time to acknowledge \| \d+ min \| 1 h 0 min \(within target\)/);
    expect(review.stdout).toContain('- [ ] alert on queue growth rate');
    expect(review.stdout).toMatch(/\*\*status\*\* ana: acknowledged/);
  }, 60_000);
});
