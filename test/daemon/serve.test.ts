/**
 * `opsbook serve` as a real process: ready, graceful exit 0 promptly after SIGINT and SIGTERM (bounds
 * scaled to the machine's load), metrics in Prometheus format, and config reloads that keep the running config when the
 * new one is invalid.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { serveCli, startCli, waitForExit } from '../support/cli.js';
import { scaled } from '../support/timing.js';

/** The daemon over `text` as its ops.yaml, watching it (as it does by default) unless told not to, ready. */
const serve = (text: string, options: { watch?: boolean } = {}) => serveCli('serve', { 'ops.yaml': text }, { watch: true, ...options });

describe('opsbook serve', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`becomes ready, then exits 0 promptly after ${signal}`, async () => {
      const s = await serve('server:\n  log_level: info\n');
      onTestFinished(() => s.close());
      const ready = (await (await fetch(`${s.url}/_health/ready`)).json()) as { status: string; checks: Record<string, { status: string }> };
      expect(ready.status).toBe('ready');
      expect(Object.keys(ready.checks).sort()).toEqual(['config', 'migrations', 'pipeline', 'store', 'writes']);
      expect(fs.existsSync(path.join(s.dir, '.opsbook', 'opsbook.db'))).toBe(true);
      const since = Date.now();
      s.child.kill(signal);
      const exit = await waitForExit(s.child, since);
      expect(exit.code, s.output()).toBe(0);
      // Promptly: nothing it waits for on the way out (a drain, a timer) holds it for long.
      expect(exit.ms).toBeLessThan(scaled(5_000));
      expect(s.output()).toContain('stopped');
    });
  }

  it('answers liveness without I/O and serves Prometheus metrics', async () => {
    const s = await serve('{}\n');
    try {
      const live = await fetch(`${s.url}/_health/live`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'live' });
      const metrics = await fetch(`${s.url}/metrics`);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      const text = await metrics.text();
      expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect(text).toMatch(/^opsbook_build_info\{version="[^"]+"\} 1$/m);
      expect(text).toMatch(/^opsbook_up 1$/m);
    } finally {
      await s.close();
    }
  });

  it('on SIGHUP applies a valid config and rejects an invalid one, keeping the running config', async () => {
    const s = await serve('server:\n  log_level: info\n', { watch: false });
    const reloads = async (): Promise<string> => {
      const text = await (await fetch(`${s.url}/metrics`)).text();
      return text.split('\n').filter((l) => l.startsWith('opsbook_config_reloads_total{')).sort().join(' ');
    };
    try {
      fs.writeFileSync(s.config, 'server:\n  log_level: debug\n');
      s.child.kill('SIGHUP');
      await expect.poll(reloads, { timeout: scaled(15_000) }).toContain('result="applied"} 1');
      fs.writeFileSync(s.config, 'server:\n  colour: blue\n');
      s.child.kill('SIGHUP');
      await expect.poll(reloads, { timeout: scaled(15_000) }).toContain('result="rejected"} 1');
      // Counted before its log line has crossed the pipe: wait for the line.
      await expect.poll(() => s.output(), { timeout: scaled(15_000) }).toContain('config reload rejected');
      expect(s.output()).toContain('colour');
      // Still ready (it runs on the config it had), saying the files on disk are not what runs.
      const ready = await fetch(`${s.url}/_health/ready`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: { config: { status: string; detail: string } } }).checks.config).toEqual({
        status: 'ok',
        detail: expect.stringMatching(/^ops\.yaml; the reload at \d{4}-\d\d-\d\dT[\d:.]+Z was rejected \(1 problem, see the log\): running the config loaded before$/),
      });
      expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(/^opsbook_config_last_reload_successful 0$/m);
      // The next good reload clears both.
      fs.writeFileSync(s.config, 'server:\n  log_level: info\n');
      s.child.kill('SIGHUP');
      await expect.poll(reloads, { timeout: scaled(15_000) }).toContain('result="applied"} 2');
      expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(/^opsbook_config_last_reload_successful 1$/m);
      expect(((await (await fetch(`${s.url}/_health/ready`)).json()) as { checks: { config: unknown } }).checks.config).toEqual({ status: 'ok', detail: 'ops.yaml' });
    } finally {
      await s.close();
    }
  });

  it('reloads when a config file changes on disk', async () => {
    const s = await serve('server:\n  log_level: info\n');
    try {
      // Ready comes once the pipeline runs; the file watch is armed after that, before the 'listening' line.
      await expect.poll(() => s.output(), { timeout: scaled(15_000) }).toContain('"msg":"listening"');
      fs.writeFileSync(s.config, 'server:\n  log_level: warn\n');
      await expect
        .poll(async () => (await (await fetch(`${s.url}/metrics`)).text()).includes('opsbook_config_reloads_total{result="applied"} 1'), { timeout: scaled(15_000) })
        .toBe(true);
    } finally {
      await s.close();
    }
  });

  it('reloads when a file is added to or removed from a config directory; a broken one is rejected, its fix applied', async () => {
    const s = await serveCli('serve-dir', { 'ops.yaml': 'server:\n  log_level: info\n' }, { watch: true, directory: true });
    const reloads = async (): Promise<string> => {
      const text = await (await fetch(`${s.url}/metrics`)).text();
      return text.split('\n').filter((l) => l.startsWith('opsbook_config_reloads_total{')).sort().join(' ');
    };
    try {
      await expect.poll(() => s.output(), { timeout: scaled(15_000) }).toContain('"msg":"listening"');
      fs.writeFileSync(path.join(s.dir, 'services.yaml'), 'services:\n  - id: api\n    base_url: ${OPSBOOK_TEST_NEVER_SET}\n');
      await expect.poll(reloads, { timeout: scaled(15_000) }).toContain('result="rejected"} 1');
      await expect.poll(() => s.output(), { timeout: scaled(15_000) }).toContain('OPSBOOK_TEST_NEVER_SET is not set');
      fs.writeFileSync(path.join(s.dir, 'services.yaml'), 'services:\n  - id: api\n');
      await expect.poll(reloads, { timeout: scaled(15_000) }).toContain('result="applied"} 1');
      await expect.poll(() => s.output(), { timeout: scaled(15_000) }).toMatch(/"config":\[[^\]]*ops\.yaml","[^\]]*services\.yaml"\],"changed":\["services\.yaml"\],"msg":"config reloaded"/);
      // A file removed from the folder is a change of the config too.
      fs.rmSync(path.join(s.dir, 'services.yaml'));
      await expect.poll(reloads, { timeout: scaled(15_000) }).toContain('result="applied"} 2');
    } finally {
      await s.close();
    }
  });

  it('refuses to start on an invalid config, listing every problem with its location', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-serve-'));
    try {
      fs.writeFileSync(path.join(dir, 'ops.yaml'), 'server:\n  port: "eighty"\n  colour: blue\n');
      const run = startCli(['serve', '--config', path.join(dir, 'ops.yaml')]);
      const exit = await waitForExit(run.child);
      expect(exit.code).not.toBe(0);
      expect(run.output()).toContain('server.port');
      expect(run.output()).toContain('server.colour');
      expect(run.output()).toContain('ops.yaml:2');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
