/**
 * `opsbook check list` shows the same columns locally and through `--server`: id, kind, interval,
 * target and thresholds from the config, then the state — the daemon's settled state through
 * `--server`, each check's last stored run locally (the store the daemon writes), "never run" before one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCli, serveCli, type CliRun } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { scaled, until } from '../support/timing.js';

const CONFIG = `users:
  - { name: adm, role: admin }
checks:
  - id: api-port
    kind: tcp
    host: 127.0.0.1
    port: 9
    interval: 2s
  - id: api-health
    kind: http
    url: http://127.0.0.1:9/health
    interval: 30m
    conditions: ["[STATUS] == 200"]
    warning: ["[RESPONSE_TIME] > 500"]
`;

function columns(out: string): string[][] {
  return out.trim().split('\n').map((line) => line.split(/\s{2,}/).map((c) => c.trim()));
}

describe('opsbook check list', { timeout: scaled(180_000) }, () => {
  it('prints the same columns locally and through --server', async () => {
    const s = await serveCli('check-list', { 'ops.yaml': CONFIG });
    onTestFinished(() => s.close());
    // The local list reads the runs from the store the daemon writes: api-port runs every 2 s.
    let local: CliRun | undefined;
    await until('api-port run once by the daemon', async () => {
      local = await runCli(['check', 'list', '--config', s.config]);
      return local.code === 0 && /^api-port .* last run /m.test(local.stdout);
    }, scaled(60_000));
    if (!local) throw new Error('no local list');
    expect(local.code, local.stderr).toBe(0);
    const token = await runCli(['token', 'create', '--user', 'adm', '--as', 'adm', '--config', s.config]);
    const secret = token.stdout.trim();
    expect(secret, token.stderr).toMatch(/^opsb_/);
    const remote = await runCli(['check', 'list', '--server', s.url, '--token', secret!]);
    expect(remote.code, remote.stderr).toBe(0);
    const l = columns(local.stdout);
    const r = columns(remote.stdout);
    expect(l[0]).toEqual(['ID', 'KIND', 'EVERY', 'TARGET', 'THRESHOLDS', 'STATE']);
    expect(r[0]).toEqual(l[0]);
    // Everything but the state is the config's, the same both ways.
    expect(r.map((row) => row.slice(0, 5))).toEqual(l.map((row) => row.slice(0, 5)));
    expect(l[1]!.slice(0, 4)).toEqual(['api-port', 'tcp', '2s', '127.0.0.1:9']);
    expect(l[2]![4]).toContain('warning [RESPONSE_TIME] > 500');
    // Port 9 refuses: the last run is down, dated to the second, with its error.
    expect(l[2]![5]).toMatch(/^(never run|last run (up|down))/);
    expect(l[1]![5]).toMatch(/^last run down( \(critical\))? at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ: .*refused/i);
    expect(['up', 'down', 'unknown']).toContain(r[1]![5]!.split(/[ :]/)[0]);
  });
});

describe('opsbook check list over a store it cannot open', { timeout: scaled(120_000) }, () => {
  const config = (storage: string) => `storage:\n  url: ${JSON.stringify(storage)}\n${CONFIG}  - { id: job-beat, kind: heartbeat, period: 1h }\n`;

  async function listWith(storage: (dir: string) => string | Promise<string>): Promise<CliRun> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-check-list-store-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'ops.yaml'), config(await storage(dir)));
    return runCli(['check', 'list', '--config', path.join(dir, 'ops.yaml')]);
  }

  function expectConfiguredChecks(r: CliRun, why: RegExp): void {
    expect(r.code, r.stderr).toBe(0);
    const rows = columns(r.stdout);
    expect(rows[0]).toEqual(['ID', 'KIND', 'EVERY', 'TARGET', 'THRESHOLDS', 'STATE']);
    expect(rows.slice(1).map((row) => [row[0], row[1], row.at(-1)])).toEqual([
      ['api-port', 'tcp', 'not read'],
      ['api-health', 'http', 'not read'],
      ['job-beat', 'heartbeat', 'not read'],
    ]);
    const notes = r.stderr.trim().split('\n');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^note: the last runs and heartbeat URLs could not be read: /);
    expect(notes[0]).toMatch(why);
  }

  it('a SQLite file that is not a database', async () => {
    const r = await listWith((dir) => {
      fs.writeFileSync(path.join(dir, 'opsbook.db'), 'this is not a database, only text\n'.repeat(200));
      return './opsbook.db';
    });
    expectConfiguredChecks(r, /opsbook\.db.*file is not a database \[OPSBOOK_E_STORE_UNAVAILABLE\]$/);
  });

  it('a SQLite path whose directory cannot be made', async () => {
    const r = await listWith((dir) => {
      fs.writeFileSync(path.join(dir, 'state'), 'a file where the data directory should be\n');
      return './state/opsbook.db';
    });
    expectConfiguredChecks(r, /cannot open SQLite database .*state.opsbook\.db: EEXIST.*mkdir .*state' \[OPSBOOK_E_STORE_UNAVAILABLE\]$/);
  });

  it('a PostgreSQL that refuses connections', async () => {
    const port = await freePort();
    const r = await listWith(() => `postgres://opsbook:opsbook@127.0.0.1:${port}/opsbook`);
    expectConfiguredChecks(r, /ECONNREFUSED.*\[OPSBOOK_E_STORE_UNAVAILABLE\]$/);
  });
});
