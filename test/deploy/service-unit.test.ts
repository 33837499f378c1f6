/**
 * The shipped systemd unit and container definition. The unit's own command lines run here as
 * systemd would run them (paths moved to this checkout): ExecStart serves, ExecStartPost returns
 * only once /_health/ready answers, ExecReload (SIGHUP) reloads and a bad config keeps the running
 * one, SIGTERM stops with exit 0. `systemd-analyze verify` checks the unit's syntax where present.
 * The container builds only where a Docker daemon and the base image are present (no network here).
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, waitForExit } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { scaled } from '../support/timing.js';

const run = promisify(execFile);
const UNIT = fs.readFileSync(path.join(REPO_ROOT, 'deploy/opsbook.service'), 'utf8');

function directive(name: string): string {
  const line = UNIT.split('\n').find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`deploy/opsbook.service has no ${name}=`);
  return line.slice(name.length + 1);
}

describe('deploy/opsbook.service', () => {
  let dir: string;
  let port: number;
  let daemon: ChildProcess | undefined;
  let output = '';
  const env = () => ({ ...process.env, OPSBOOK_PORT: String(port), FORCE_COLOR: '0' });
  /** A unit command line with ${OPSBOOK_PORT} and the install paths moved to this checkout. */
  const localise = (cmd: string) =>
    cmd.replaceAll('${OPSBOOK_PORT}', String(port)).replaceAll('/opt/opsbook', REPO_ROOT).replaceAll('/etc/opsbook', dir);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-unit-'));
    port = await freePort();
    fs.writeFileSync(path.join(dir, 'ops.yaml'), `storage:\n  url: ${path.join(dir, 'opsbook.db')}\nchecks: []\n`);
  });
  afterAll(async () => {
    if (daemon && daemon.exitCode === null) {
      daemon.kill('SIGKILL');
      await waitForExit(daemon);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('passes systemd-analyze verify', async (ctx) => {
    if (spawnSync('systemd-analyze', ['--version']).error) return ctx.skip('systemd-analyze is not installed');
    const r = spawnSync('systemd-analyze', ['verify', path.join(REPO_ROOT, 'deploy/opsbook.service')], { encoding: 'utf8' });
    expect(r.stderr.split('\n').filter((l) => l.includes('opsbook.service'))).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('ExecStartPost returns once the daemon is ready; ExecReload reloads and keeps a good config over a bad one; SIGTERM stops cleanly', async () => {
    const [node, ...args] = localise(directive('ExecStart')).split(' ');
    expect(node).toBe('/usr/bin/node');
    daemon = spawn(process.execPath, args, { cwd: dir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    daemon.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const post = localise(directive('ExecStartPost')).replace(/^\/bin\/sh -c '/, '').replace(/'$/, '');
    await run('/bin/sh', ['-c', post], { env: env(), timeout: 120_000 });
    const ready = await fetch(`http://127.0.0.1:${port}/_health/ready`);
    expect(ready.status).toBe(200);

    // ExecReload sends SIGHUP to the main process.
    expect(directive('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    fs.writeFileSync(path.join(dir, 'ops.yaml'), 'storage: [this is not\n');
    daemon.kill('SIGHUP');
    const deadline = Date.now() + 60_000;
    while (!/reload (failed|rejected)/.test(output) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(output).toMatch(/config reload rejected; keeping the running config/);
    expect((await fetch(`http://127.0.0.1:${port}/_health/ready`)).status).toBe(200);

    daemon.kill('SIGTERM');
    const exit = await waitForExit(daemon);
    expect(exit.code).toBe(0);
  }, scaled(240_000));
});

describe('deploy/Dockerfile', () => {
  it('builds offline and its health check passes', async (ctx) => {
    if (spawnSync('docker', ['info'], { encoding: 'utf8' }).status !== 0) return ctx.skip('no Docker daemon is reachable here');
    const base = /^FROM (\S+)/m.exec(fs.readFileSync(path.join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8'))![1]!;
    if (spawnSync('docker', ['image', 'inspect', base]).status !== 0) return ctx.skip(`the base image ${base} is not present and the network is closed`);
    const tag = `opsbook-test:${process.pid}`;
    await run('docker', ['build', '--network=none', '-f', 'deploy/Dockerfile', '-t', tag, '.'], { cwd: REPO_ROOT, timeout: 900_000 });
    const inspect = JSON.parse((await run('docker', ['image', 'inspect', tag])).stdout) as { Config: { User: string; Healthcheck?: unknown } }[];
    expect(inspect[0]!.Config.User).toBe('opsbook');
    expect(inspect[0]!.Config.Healthcheck).toBeDefined();
  }, scaled(900_000));
});
