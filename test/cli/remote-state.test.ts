/**
 * `--server/--token` on `token`, `check run`, `slo status`, `report`, `user passwd`, `run` and
 * `notify test|log`:
 * real child processes against a running `opsbook serve` on loopback, no config on the client side.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serveCli, startCli, waitForExit, type ServedCli } from '../support/cli.js';
import { scaled } from '../support/timing.js';

const RUNBOOK = '# Web\n\n## RB-1: Look at web\n\n**Diagnosis:**\n```bash\necho "looking at web"\n```\n\n- [ ] Told the customer\n';

describe('remote CLI: tokens, checks, SLOs, report, passwords, runs', () => {
  let base: string;
  let target: http.Server;
  const tokens: Record<string, string> = {};
  let server: ServedCli | undefined;
  const clientDir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-remote-state-client-'));
  const as = (user: string) => ({ cwd: clientDir, env: { OPSBOOK_SERVER: base, OPSBOOK_TOKEN: tokens[user]! } });
  const whoami = (token: string) => fetch(`${base}/api/whoami`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    target = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    server = await serveCli('remote-state', {
      'ops.yaml': `users:
  - { name: adm, role: admin }
  - { name: res, role: responder }
  - { name: vic, role: viewer }
services:
  - { id: web, shell: { cwd: . } }
checks:
  - { id: web-up, kind: http, url: "http://127.0.0.1:${(target.address() as AddressInfo).port}/", service: web, interval: 1h, conditions: ["[STATUS] == 200"] }
  - { id: nothing-listens, kind: tcp, host: 127.0.0.1, port: 9, interval: 1h }
channels:
  - { id: hook, kind: webhook, url: "http://127.0.0.1:${(target.address() as AddressInfo).port}/hook", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }
slos:
  - { id: web-available, kind: availability, checks: [web-up], objective: 99.9%, window: 7d }
runbooks:
  - runbooks/*.md
`,
      'runbooks/web.md': RUNBOOK,
      'runbooks/wait.md': '# Wait\n\n## RB-2: Wait a while\n\n**Diagnosis:**\n```bash\nsleep 600\n```\n',
    });
    const { config } = server;
    base = server.url;
    for (const user of ['adm', 'res', 'vic']) tokens[user] = (await runCli(['token', 'create', '--user', user, '--name', 'setup', '--config', config])).stdout.trim();
  });

  afterAll(async () => {
    try {
      await server?.close();
    } finally {
      target.closeAllConnections();
      await new Promise((r) => target.close(r));
      fs.rmSync(clientDir, { recursive: true, force: true });
    }
  });

  it('creates, lists and revokes tokens through the daemon with an admin token only', async () => {
    const created = await runCli(['token', 'create', '--user', 'vic', '--name', 'grafana'], as('adm'));
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim();
    expect(created.stderr).toMatch(/^token (tok_\S+) for vic \(grafana\); it is shown only now/);
    const id = /token (tok_\S+)/.exec(created.stderr)![1]!;
    expect(await (await whoami(secret)).json()).toEqual({ name: 'vic', role: 'viewer' });

    const list = await runCli(['token', 'list', '--user', 'vic', '--json'], as('adm'));
    expect(list.code, list.stderr).toBe(0);
    const rows = JSON.parse(list.stdout) as Array<{ id: string; name: string; user_name: string; revoked_at: number | null }>;
    expect(rows.map((r) => [r.name, r.user_name, r.revoked_at])).toEqual([['setup', 'vic', null], ['grafana', 'vic', null]]);
    expect(list.stdout).not.toContain(secret);
    // A name typed wrong is refused, not listed as a person without tokens.
    const typo = await runCli(['token', 'list', '--user', 'vicc'], as('adm'));
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('no user named "vicc" in users: (known: ');
    expect(typo.stderr).toMatch(/, and no token of theirs → query\.user \[OPSBOOK_E_USER_UNKNOWN\]/);

    const refused = await runCli(['token', 'list', '--server', base, '--token', tokens.res!], { cwd: clientDir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('OPSBOOK_E_FORBIDDEN');

    const revoked = await runCli(['token', 'revoke', id], as('adm'));
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout.trim()).toBe(`revoked ${id}`);
    expect((await whoami(secret)).status).toBe(401);
  });

  it('runs a check once from the daemon, with every condition and the exit code of its status', async () => {
    const up = await runCli(['check', 'run', 'web-up'], as('res'));
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^✔ web-up \(http\): up, level ok, \d+ ms\n {2}✔ \[STATUS\] == 200 {3}\(actual: 200\)/);
    const down = await runCli(['check', 'run', 'nothing-listens', '--json'], as('res'));
    expect(down.code).toBe(1);
    expect(JSON.parse(down.stdout)).toMatchObject({ checkId: 'nothing-listens', kind: 'tcp', status: 'down' });
    const unknown = await runCli(['check', 'run', 'nope'], as('res'));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no check with id nope');
    const viewer = await runCli(['check', 'run', 'web-up'], as('vic'));
    expect(viewer.stderr).toContain('OPSBOOK_E_FORBIDDEN');
  });

  it('reads SLO status and the operations report from the daemon', async () => {
    const status = await runCli(['slo', 'status', '--json'], as('vic'));
    expect(status.code, status.stderr).toBe(0);
    const json = JSON.parse(status.stdout) as { slos: Array<{ id: string; objective: number; to: number }>; recoveryPoints: unknown[] };
    expect(json.slos.map((s) => [s.id, s.objective])).toEqual([['web-available', 0.999]]);
    expect(Math.abs(json.slos[0]!.to - Date.now())).toBeLessThan(120_000);
    const text = await runCli(['slo', 'status'], as('vic'));
    expect(text.stdout).toMatch(/web-available {2}availability {2}objective 99\.9%/);

    const md = await runCli(['report', '--period', '30d', '--at', '2026-04-30T23:59Z'], as('vic'));
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('SLO attainment');
    expect(md.stdout).toContain('web-available');
    const report = await runCli(['report', '--period', 'month', '--format', 'json', '--at', '2026-04-30T23:59Z'], as('vic'));
    const period = (JSON.parse(report.stdout) as { period: { name: string; from: number } }).period;
    expect(period).toMatchObject({ name: 'month', from: Date.UTC(2026, 3, 1) });
    const html = await runCli(['report', '--format', 'html'], as('vic'));
    expect(html.stdout).toMatch(/^<!doctype html>/i);
  });

  it('sets a password through the daemon (admin only), and the UI then accepts it', async () => {
    const password = 'correct horse battery';
    const refused = await runCli(['user', 'passwd', 'res'], { ...as('res'), input: `${password}\n` });
    expect(refused.stderr).toContain('OPSBOOK_E_FORBIDDEN');
    const set = await runCli(['user', 'passwd', 'res'], { ...as('adm'), input: `${password}\n` });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout.trim()).toBe('password set for res');
    const login = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ username: 'res', password }) });
    expect(login.status).toBe(303);
  });

  it('runs a procedure through the daemon as the token’s user: dry run, steps, outcome', async () => {
    const dry = await runCli(['run', 'runbooks/web.md#RB-1', '--dry-run'], as('res'));
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('runbooks/web.md#RB-1 — Look at web');
    expect(dry.stdout).toContain('1.1 $ echo "looking at web"');
    const run = await runCli(['run', 'runbooks/web.md#RB-1'], as('res'));
    // The manual step is not required: left unticked, it does not hold the execution back.
    expect(run.code, run.stderr).toBe(0);
    const id = /^execution (exe_\S+): /m.exec(run.stdout)![1]!;
    expect(run.stdout).toContain('→ 1.1 ok (exit 0');
    expect(run.stdout).toContain('     looking at web');
    expect(run.stdout).toContain(`manual step: tick it with opsbook execution tick ${id} 2`);
    expect(run.stdout).toContain(`execution ${id} passed`);
    const show = await fetch(`${base}/api/executions/${id}`, { headers: { authorization: `Bearer ${tokens.vic}` } });
    expect(await show.json()).toMatchObject({ startedBy: 'res', state: 'passed', transcript: [{ actor: 'res', status: 'ok' }] });

    const open = await runCli(['run', 'runbooks/web.md#RB-1', '--step', '1', '--keep-open'], as('res'));
    expect(open.code, open.stderr).toBe(0);
    expect(open.stdout).toMatch(/execution exe_\S+ left open/);
    const viewer = await runCli(['run', 'runbooks/web.md#RB-1'], as('vic'));
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toContain('OPSBOOK_E_FORBIDDEN');
  });

  it('cancels the execution on the daemon when a remote run is interrupted, stopping what runs', async () => {
    const t0 = Date.now();
    const run = startCli(['run', 'runbooks/wait.md#RB-2'], as('res'));
    await expect.poll(() => run.output(), { timeout: scaled(20_000) }).toContain('1.1 $ sleep 600');
    await new Promise((r) => setTimeout(r, 1000)); // the step is running on the daemon now
    run.child.kill('SIGINT');
    const exit = await waitForExit(run.child);
    expect(exit.code, run.output()).toBe(1);
    // Interrupted, not run to its end (600 s): the bound scales with the load, far below the step's length.
    expect(Date.now() - t0).toBeLessThan(Math.min(scaled(25_000), 300_000));
    const id = /^execution (exe_\S+): /m.exec(run.output())![1]!;
    expect(run.output()).toContain(`execution ${id} cancelled`);
    const show = await fetch(`${base}/api/executions/${id}`, { headers: { authorization: `Bearer ${tokens.vic}` } });
    const exe = (await show.json()) as { state: string; transcript: Array<{ step: number; status: string }> };
    expect(exe.state).toBe('cancelled');
    await expect
      .poll(async () => ((await (await fetch(`${base}/api/executions/${id}`, { headers: { authorization: `Bearer ${tokens.vic}` } })).json()) as typeof exe).transcript.map((e) => [e.step, e.status]), { timeout: scaled(10_000) })
      .toEqual([[1, 'cancelled']]);
  });

  it('sends a channel test from the daemon and reads an incident’s delivery log through it', async () => {
    const sent = await runCli(['notify', 'test', 'hook'], as('adm'));
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/^✔ hook \(webhook\) accepted test message msg_\S+ \(HTTP 200\)/);
    expect((await runCli(['notify', 'test', 'hook'], as('res'))).stderr).toContain('OPSBOOK_E_FORBIDDEN');
    const unknown = await runCli(['notify', 'test', 'nope'], as('adm'));
    expect(unknown.stderr).toContain('OPSBOOK_E_CHANNEL_UNKNOWN');

    const opened = await fetch(`${base}/api/incidents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.res}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Checkout slow', severity: 'P1', service: 'web' }),
    });
    const { id } = (await opened.json()) as { id: string };
    const deliveries = async () => ((await (await fetch(`${base}/api/incidents/${id}/deliveries`, { headers: { authorization: `Bearer ${tokens.vic}` } })).json()) as { deliveries: unknown[] }).deliveries;
    await expect.poll(async () => (await deliveries()).length, { timeout: scaled(15_000) }).toBeGreaterThan(0);
    const log = await runCli(['notify', 'log', id, '--json'], as('vic'));
    expect(log.code, log.stderr).toBe(0);
    expect(JSON.parse(log.stdout)).toEqual(await deliveries());
    const text = await runCli(['notify', 'log', id], as('vic'));
    expect(text.stdout).toMatch(/^AT\tMESSAGE\tCHANNEL\tATTEMPT\tOUTCOME.*\n\S+\tmsg_\S+\thook\t1\tdelivered\t200\t/);
    // A mistyped id: 404 at the id, not an empty log.
    const typo = await fetch(`${base}/api/incidents/${id}x/deliveries`, { headers: { authorization: `Bearer ${tokens.vic}` } });
    expect(typo.status).toBe(404);
    expect(await typo.json()).toMatchObject({ error: { code: 'OPSBOOK_E_INCIDENT_UNKNOWN', path: 'params.id' } });
    const typoCli = await runCli(['notify', 'log', `${id}x`], as('vic'));
    expect(typoCli.code).toBe(1);
    expect(typoCli.stderr).toContain(`no incident with id ${id}x`);
  });
});
