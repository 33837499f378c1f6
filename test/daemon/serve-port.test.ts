/**
 * `opsbook serve` and its port: a port already in use ends the start with one coded line and exit 1,
 * before any check has probed; `--port N` is the port links point at when `public_url` is not set,
 * and stays so across a config reload.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { serveCli, startCli, waitForExit } from '../support/cli.js';
import { scaled } from '../support/timing.js';

describe('opsbook serve on a port already in use', () => {
  it('exits 1 with one coded line, no stack, having started nothing', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as AddressInfo).port;
    let probes = 0;
    const target = http.createServer((_q, s) => {
      probes++;
      s.end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-port-taken-'));
    onTestFinished(() => {
      taken.close();
      target.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    fs.writeFileSync(
      path.join(dir, 'ops.yaml'),
      `checks:\n  - { id: target, kind: http, url: "http://127.0.0.1:${(target.address() as AddressInfo).port}/", interval: 1s }\n`,
    );
    const run = startCli(['serve', '--config', path.join(dir, 'ops.yaml'), '--port', String(port), '--no-watch']);
    const exit = await Promise.race([
      waitForExit(run.child),
      new Promise<never>((_r, reject) => setTimeout(() => reject(new Error(`still running after ${scaled(30_000)} ms:\n${run.output()}`)), scaled(30_000))),
    ]).finally(() => run.child.kill('SIGKILL'));
    const out = run.output();
    expect(exit.code, out).toBe(1);
    expect(out).toMatch(new RegExp(`✖ .*127\\.0\\.0\\.1:${port}.* \\[OPSBOOK_E_LISTEN\\]`));
    expect(out).not.toMatch(/^\s+at /m);
    expect(out).not.toContain('Node.js v');
    expect(out).not.toContain('opsbook started');
    expect(probes).toBe(0);
  });
});

describe('opsbook serve --port', () => {
  it('makes the default public_url name the port it listens on, also after a reload', async () => {
    const s = await serveCli('serve-port', { 'ops.yaml': 'server:\n  port: 4999\n' });
    onTestFinished(() => s.close());
    const servers = async () => ((await (await fetch(`${s.url}/api/openapi.json`)).json()) as { servers: Array<{ url: string }> }).servers;
    expect(await servers()).toEqual([{ url: s.url }]);
    fs.writeFileSync(s.config, 'server:\n  port: 4999\n  log_level: debug\n');
    s.child.kill('SIGHUP');
    await expect.poll(() => s.output(), { timeout: scaled(15_000) }).toContain('config reloaded');
    expect(await servers()).toEqual([{ url: s.url }]);
  });

  it('keeps a public_url the config sets', async () => {
    const s = await serveCli('serve-port-url', { 'ops.yaml': 'server:\n  public_url: https://ops.example.com\n' });
    onTestFinished(() => s.close());
    const doc = (await (await fetch(`${s.url}/api/openapi.json`)).json()) as { servers: Array<{ url: string }> };
    expect(doc.servers).toEqual([{ url: 'https://ops.example.com' }]);
  });
});
