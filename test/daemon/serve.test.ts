/**
 * `opsbook serve` as a real process: ready within 15 s, graceful exit 0 within 5 s of SIGINT and
 * SIGTERM, metrics in Prometheus format, and config reloads that keep the running config when the
 * new one is invalid.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, waitForExit } from '../support/cli.js';
import { freePort, waitForHttp } from '../support/net.js';

const dirs: string[] = [];
function tempConfig(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-serve-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'ops.yaml'), text);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function serve(dir: string, extra: string[] = []) {
  const port = await freePort();
  const run = startCli(['serve', '--config', path.join(dir, 'ops.yaml'), '--port', String(port), ...extra]);
  const readyAfter = await waitForHttp(`http://127.0.0.1:${port}/_health/ready`, 15_000).catch((e: Error) => {
    run.child.kill('SIGKILL');
    throw new Error(`${e.message}\n${run.output()}`);
  });
  return { ...run, port, readyAfter, base: `http://127.0.0.1:${port}` };
}

describe('opsbook serve', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`becomes ready, then exits 0 within 5 s of ${signal}`, async () => {
      const dir = tempConfig('server:\n  log_level: info\n');
      const s = await serve(dir);
      expect(s.readyAfter).toBeLessThan(15_000);
      const ready = (await (await fetch(`${s.base}/_health/ready`)).json()) as { status: string; checks: Record<string, { status: string }> };
      expect(ready.status).toBe('ready');
      expect(Object.keys(ready.checks).sort()).toEqual(['config', 'migrations', 'store']);
      expect(fs.existsSync(path.join(dir, '.opsbook', 'opsbook.db'))).toBe(true);
      const since = Date.now();
      s.child.kill(signal);
      const exit = await waitForExit(s.child, since);
      expect(exit.code, s.output()).toBe(0);
      expect(exit.ms).toBeLessThan(5_000);
      expect(s.output()).toContain('stopped');
    });
  }

  it('answers liveness without I/O and serves Prometheus metrics', async () => {
    const s = await serve(tempConfig('{}\n'));
    try {
      const live = await fetch(`${s.base}/_health/live`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'live' });
      const metrics = await fetch(`${s.base}/metrics`);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      const text = await metrics.text();
      expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect(text).toMatch(/^opsbook_build_info\{version="[^"]+"\} 1$/m);
      expect(text).toMatch(/^opsbook_up 1$/m);
    } finally {
      s.child.kill('SIGTERM');
      await waitForExit(s.child);
    }
  });

  it('on SIGHUP applies a valid config and rejects an invalid one, keeping the running config', async () => {
    const dir = tempConfig('server:\n  log_level: info\n');
    const s = await serve(dir, ['--no-watch']);
    const reloads = async (): Promise<string> => {
      const text = await (await fetch(`${s.base}/metrics`)).text();
      return text.split('\n').filter((l) => l.startsWith('opsbook_config_reloads_total{')).sort().join(' ');
    };
    try {
      fs.writeFileSync(path.join(dir, 'ops.yaml'), 'server:\n  log_level: debug\n');
      s.child.kill('SIGHUP');
      await expect.poll(reloads, { timeout: 5_000 }).toContain('result="applied"} 1');
      fs.writeFileSync(path.join(dir, 'ops.yaml'), 'server:\n  colour: blue\n');
      s.child.kill('SIGHUP');
      await expect.poll(reloads, { timeout: 5_000 }).toContain('result="rejected"} 1');
      expect(s.output()).toContain('config reload rejected');
      expect(s.output()).toContain('colour');
      expect((await fetch(`${s.base}/_health/ready`)).status).toBe(200);
    } finally {
      s.child.kill('SIGTERM');
      await waitForExit(s.child);
    }
  });

  it('reloads when a config file changes on disk', async () => {
    const dir = tempConfig('server:\n  log_level: info\n');
    const s = await serve(dir);
    try {
      await new Promise((r) => setTimeout(r, 300));
      fs.writeFileSync(path.join(dir, 'ops.yaml'), 'server:\n  log_level: warn\n');
      await expect
        .poll(async () => (await (await fetch(`${s.base}/metrics`)).text()).includes('opsbook_config_reloads_total{result="applied"} 1'), { timeout: 5_000 })
        .toBe(true);
    } finally {
      s.child.kill('SIGTERM');
      await waitForExit(s.child);
    }
  });

  it('refuses to start on an invalid config, listing every problem with its location', async () => {
    const dir = tempConfig('server:\n  port: "eighty"\n  colour: blue\n');
    const run = startCli(['serve', '--config', path.join(dir, 'ops.yaml')]);
    const exit = await waitForExit(run.child);
    expect(exit.code).not.toBe(0);
    expect(run.output()).toContain('server.port');
    expect(run.output()).toContain('server.colour');
    expect(run.output()).toContain('ops.yaml:2');
  });
});
