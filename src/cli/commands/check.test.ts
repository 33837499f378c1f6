import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/cli.js';

describe('opsbook check', () => {
  let server: http.Server;
  let dir: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/stats') res.end(JSON.stringify({ queues: { email: { waiting: 742 } } }));
      else res.writeHead(503).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-cli-check-'));
    fs.writeFileSync(
      path.join(dir, 'ops.yaml'),
      `storage:\n  url: ${path.join(dir, 'opsbook.db')}\nchecks:\n` +
        `  - id: email-queue\n    kind: json\n    url: ${base}/stats\n    path: .queues.email.waiting\n    warning: "[VALUE] > 500"\n    critical: "[VALUE] > 1000"\n` +
        `  - id: api\n    kind: http\n    url: ${base}/health\n    conditions: ["[STATUS] == 200", "[RESPONSE_TIME] < 1000"]\n` +
        `  - id: nightly-backup\n    kind: heartbeat\n    period: 1d\n    grace: 1h\n`,
    );
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists checks with their targets, levels and heartbeat URLs', async () => {
    const r = await runCli(['check', 'list', '--config', path.join(dir, 'ops.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/email-queue\s+json\s+30s\s+\S*\/stats\s+warning \[VALUE\] > 500; critical \[VALUE\] > 1000\s+never run/);
    expect(r.stdout).toMatch(/nightly-backup\s+heartbeat\s+30s\s+\/api\/heartbeats\/[A-Za-z0-9_-]{32}/);
  });

  it('runs one check and prints every condition with its actual value', async () => {
    const r = await runCli(['check', 'run', 'email-queue', '--config', path.join(dir, 'ops.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✔ email-queue (json): up, level warning');
    expect(r.stdout).toContain('▲ warning: [VALUE] > 500   (actual: 742)');
    expect(r.stdout).toContain('· critical: [VALUE] > 1000   (actual: 742)');
  });

  it('exits 1 for a down check and prints JSON on request', async () => {
    const r = await runCli(['check', 'run', 'api', '--json', '--config', path.join(dir, 'ops.yaml')]);
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ checkId: 'api', status: 'down', level: 'critical' });
    expect(result.conditions[0]).toEqual({ list: 'conditions', text: '[STATUS] == 200', ok: false, actual: '503' });
  });

  it('names the checks it has when the id is unknown', async () => {
    const r = await runCli(['check', 'run', 'nope', '--config', path.join(dir, 'ops.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no check "nope"');
    expect(r.stderr).toContain('OPSBOOK_E_CHECK_UNKNOWN');
  });
});
