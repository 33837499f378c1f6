/**
 * A bad YAML alias or an alias bomb written into the watched ops.yaml of a running daemon: the
 * reload is rejected with a located error and the daemon keeps serving its running config;
 * `opsbook validate` and `opsbook serve` print a located OPSBOOK_E_CONFIG_YAML, not a stack.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli, serveCli } from '../support/cli.js';
import { scaled } from '../support/timing.js';

const BOMB = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]', ...Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`)].join('\n');

describe('config attacks on a running daemon', () => {
  it('keeps running and logs a located error when the watched config gains a bad alias, then a bomb', async () => {
    const s = await serveCli('cfg-attack', { 'ops.yaml': 'server:\n  log_level: info\n' }, { watch: true });
    onTestFinished(() => s.close());
    const rejected = async (): Promise<number> => {
      const text = await (await fetch(`${s.url}/metrics`)).text();
      return Number(/opsbook_config_reloads_total\{result="rejected"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    fs.writeFileSync(s.config, 'server:\n  log_level: info\nx: *nope\n');
    await expect.poll(rejected, { timeout: scaled(15_000) }).toBeGreaterThanOrEqual(1);
    expect(s.child.exitCode).toBeNull();
    // The rejection is counted before its log line has crossed the pipe: wait for the line.
    await expect.poll(() => s.output(), { timeout: scaled(15_000) }).toMatch(/ops\.yaml:3/);
    expect(s.output()).not.toMatch(/ReferenceError/);

    fs.writeFileSync(s.config, `${BOMB}\n`);
    await expect.poll(rejected, { timeout: scaled(15_000) }).toBeGreaterThanOrEqual(2);
    expect(s.child.exitCode).toBeNull();
    expect((await fetch(`${s.url}/_health/live`)).status).toBe(200);
  });

  it('validate and serve print a located OPSBOOK_E_CONFIG_YAML for an unresolved alias', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-cfg-alias-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'ops.yaml');
    fs.writeFileSync(file, 'server:\n  port: 4100\nx: *nope\n');
    const validate = await runCli(['validate', file, '--json']);
    expect(validate.code).toBe(1);
    const report = JSON.parse(validate.stdout) as { issues: Array<{ code: string; file: string; line: number }> };
    expect(report.issues[0]).toMatchObject({ code: 'OPSBOOK_E_CONFIG_YAML', file, line: 3 });
    const serve = await runCli(['serve', '--config', file, '--port', '0', '--no-watch']);
    expect(serve.code).not.toBe(0);
    expect(serve.stdout + serve.stderr).toContain(`${file}:3`);
    expect(serve.stdout + serve.stderr).not.toMatch(/ReferenceError|\n\s+at /);
  });
});
