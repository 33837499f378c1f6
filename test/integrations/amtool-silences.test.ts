/**
 * Debian's `amtool` (package prometheus-alertmanager) against a running opsbook: `silence add`
 * creates a silence opsbook applies, `silence query` lists it (and filters), `silence expire` ends
 * it; a viewer's token may list but not add. Skips with a reason where amtool is not installed
 * (fails under OPSBOOK_REQUIRE_SERVICES=1).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokens, listenOnLoopback, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

const AMTOOL = '/usr/bin/amtool';
const present = fs.existsSync(AMTOOL);
if (!present && process.env.OPSBOOK_REQUIRE_SERVICES === '1') throw new Error(`${AMTOOL} is missing and OPSBOOK_REQUIRE_SERVICES=1 (apt-get install -y prometheus-alertmanager)`);
if (!present) console.warn(`skipping amtool silences: ${AMTOOL} is not installed (apt-get install -y prometheus-alertmanager)`);

const run = promisify(execFile);

describe.skipIf(!present)('amtool silences against opsbook', () => {
  let server: DaemonApp;
  let base: string;
  let configs: Record<string, string>;

  beforeAll(async () => {
    server = await startDaemonApp('amtool', {
      'ops.yaml': `users:
  - { name: ana, role: responder }
  - { name: vic, role: viewer }
  - { name: root, role: admin }
`,
    });
    base = await listenOnLoopback(server.app);
    const tokens = await apiTokens(server.daemon, 'root', ['ana', 'vic']);
    configs = {};
    for (const [user, token] of Object.entries(tokens)) {
      const file = path.join(server.dir, `http-${user}.yml`);
      fs.writeFileSync(file, `authorization:\n  type: Bearer\n  credentials: ${token}\n`);
      configs[user] = file;
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  const amtool = (user: string, ...args: string[]) =>
    run(AMTOOL, [`--alertmanager.url=${base}`, `--http.config.file=${configs[user]}`, ...args], { timeout: 120_000, env: { ...process.env, HOME: server.dir } });

  it('adds, queries and expires a silence', async () => {
    const added = await amtool('ana', 'silence', 'add', 'alertname=DiskFull', 'service=~"api|db"', '--duration=2h', '--author=ana', '--comment=disk swap on db-1');
    const id = added.stdout.trim();
    expect(id).toMatch(/^sil_/);
    const live = await server.daemon.operations!.incidents.silences.live(server.daemon.clock.now());
    expect(live.find((s) => s.id === id)).toMatchObject({
      createdBy: 'ana',
      comment: 'disk swap on db-1',
      matchers: [
        { label: 'alertname', op: '=', value: 'DiskFull' },
        { label: 'service', op: '=~', value: 'api|db' },
      ],
    });
    expect(live.find((s) => s.id === id)!.endsAt - live.find((s) => s.id === id)!.startsAt).toBeGreaterThan(7_100_000);

    const listed = JSON.parse((await amtool('vic', 'silence', 'query', '-o', 'json')).stdout) as Array<{ id: string; status: { state: string }; matchers: unknown[] }>;
    expect(listed.find((s) => s.id === id)).toMatchObject({ status: { state: 'active' } });
    expect((await amtool('vic', 'silence', 'query', '-q', 'alertname=DiskFull')).stdout.trim().split('\n')).toContain(id);
    expect((await amtool('vic', 'silence', 'query', '-q', 'alertname=CpuHigh')).stdout.trim()).toBe('');

    await expect(amtool('vic', 'silence', 'add', 'alertname=Other', '--comment=no', '--author=vic')).rejects.toThrow(/403|forbidden|Forbidden/);

    await amtool('ana', 'silence', 'expire', id);
    expect((await amtool('vic', 'silence', 'query', '-q')).stdout.trim().split('\n')).not.toContain(id);
    const after = await server.app.inject({ method: 'GET', url: `/api/v2/silence/${id}`, headers: { authorization: `Bearer ${fs.readFileSync(configs.vic!, 'utf8').split('credentials: ')[1]!.trim()}` } });
    expect(after.json()).toMatchObject({ id, status: { state: 'expired' } });
    await expect(amtool('ana', 'silence', 'expire', id)).rejects.toThrow();
  });
});
