/**
 * `--server/--token` (and OPSBOOK_SERVER / OPSBOOK_TOKEN) on the commands beyond `incident`:
 * real child processes against a running `opsbook serve`, no config file on the client side.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serveCli, type ServedCli } from '../support/cli.js';

describe('remote CLI', () => {
  let base: string;
  let admin: string;
  let viewer: string;
  let server: ServedCli | undefined;
  const clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-remote-client-'));

  beforeAll(async () => {
    server = await serveCli('remote-cli', {
      'ops.yaml': `users:
  - { name: adm, role: admin }
  - { name: vic, role: viewer }
checks:
  - { id: nothing-listens, kind: tcp, host: 127.0.0.1, port: 9, interval: 1h }
schedules:
  - id: primary
    time_zone: UTC
    layers:
      - name: Weekly
        users: [adm, vic]
        rotation: { length: 1w, handoff: "09:00", start: 2026-03-02 }
runbooks:
  - runbooks/*.md
`,
      'runbooks/web.md': '# Web\n\n## RB-1: Tell the customer\n\n- [ ] Told the customer\n',
    });
    const { config } = server;
    base = server.url;
    admin = (await runCli(['token', 'create', '--user', 'adm', '--config', config])).stdout.trim();
    viewer = (await runCli(['token', 'create', '--user', 'vic', '--config', config])).stdout.trim();
  });

  afterAll(async () => {
    try {
      await server?.close();
    } finally {
      fs.rmSync(clientDir, { recursive: true, force: true });
    }
  });

  it('asks the daemon who is on call and which checks it runs', async () => {
    const env = { OPSBOOK_SERVER: base, OPSBOOK_TOKEN: viewer };
    const oncall = await runCli(['oncall', 'now', '--at', '2026-03-10T12:00Z', '--json'], { cwd: clientDir, env });
    expect(oncall.code, oncall.stderr).toBe(0);
    const report = JSON.parse(oncall.stdout) as { at: string; schedules: Array<{ id: string; on_call: { user: string } }> };
    expect(report.at).toBe('2026-03-10T12:00:00.000Z');
    expect(report.schedules.map((s) => [s.id, s.on_call.user])).toEqual([['primary', 'vic']]);
    const checks = await runCli(['check', 'list', '--server', base, '--token', viewer, '--json'], { cwd: clientDir });
    expect(checks.code, checks.stderr).toBe(0);
    expect((JSON.parse(checks.stdout) as Array<{ id: string; kind: string }>).map((c) => [c.id, c.kind])).toEqual([['nothing-listens', 'tcp']]);
  });

  it('verifies the daemon’s audit chain locally, reads its head, and lists dead letters', async () => {
    const head = await runCli(['audit', 'head', '--server', base, '--token', viewer], { cwd: clientDir });
    expect(head.code, head.stderr).toBe(0);
    const [seq, hash] = head.stdout.trim().split(' ');
    expect(Number(seq)).toBeGreaterThan(0);
    const verify = await runCli(['audit', 'verify', '--head', hash!, '--server', base, '--token', admin], { cwd: clientDir });
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toContain(`ok: ${seq} entries, head ${hash}`);
    const refused = await runCli(['audit', 'verify', '--server', base, '--token', viewer], { cwd: clientDir });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('OPSBOOK_E_FORBIDDEN');
    const dead = await runCli(['notify', 'dead', '--json', '--server', base, '--token', viewer], { cwd: clientDir });
    expect(dead.code, dead.stderr).toBe(0);
    expect(JSON.parse(dead.stdout)).toEqual([]);
  });

  it('ticks, shows and cancels an execution started through the API', async () => {
    const started = await fetch(`${base}/api/executions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ procedure: 'runbooks/web.md#RB-1' }),
    });
    expect(started.status).toBe(201);
    const { id } = (await started.json()) as { id: string };
    const env = { OPSBOOK_SERVER: base, OPSBOOK_TOKEN: admin };
    const tick = await runCli(['execution', 'tick', id, '1', '--note', 'called them'], { cwd: clientDir, env });
    expect(tick.code, tick.stderr).toBe(0);
    expect(tick.stdout).toContain('ticked step 1 by adm');
    const show = await runCli(['execution', 'show', id, '--json'], { cwd: clientDir, env });
    expect(show.code, show.stderr).toBe(0);
    expect((JSON.parse(show.stdout) as { transcript: Array<{ kind: string; actor: string }> }).transcript.map((t) => [t.kind, t.actor])).toEqual([['tick', 'adm']]);
    const cancel = await runCli(['execution', 'cancel', id], { cwd: clientDir, env });
    expect(cancel.code, cancel.stderr).toBe(0);
    const list = await runCli(['execution', 'list', '--json'], { cwd: clientDir, env });
    expect((JSON.parse(list.stdout) as Array<{ id: string; state: string }>).map((e) => [e.id, e.state])).toEqual([[id, 'cancelled']]);
  });
});
