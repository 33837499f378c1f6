/** websocket kind against a real Daphne (Debian's `daphne`, seed 002's ASGI server) serving a Channels-like app. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForHttp } from '../../../../test/support/net.js';
import { runConfig } from '../../testing/index.js';
import { scaled } from '../../../../test/support/timing.js';

const DAPHNE = '/usr/bin/daphne';
const APP_DIR = path.join(import.meta.dirname, '..', '..', '..', '..', 'test', 'fixtures', 'daphne');
const present = fs.existsSync(DAPHNE);
if (!present) {
  const reason = `${DAPHNE} is not installed (apt-get install -y daphne)`;
  if (process.env.OPSBOOK_REQUIRE_SERVICES === '1') throw new Error(`${reason} and OPSBOOK_REQUIRE_SERVICES=1`);
  console.warn(`skipping Daphne websocket tests: ${reason}`);
}

describe.skipIf(!present)('websocket kind against Daphne', { timeout: scaled(180_000) }, () => {
  let daphne: ChildProcess;
  let base: string;
  const auth = { headers: { Origin: 'https://app.example.test', Cookie: 'sessionid=good' } };
  beforeAll(async () => {
    const port = await freePort();
    daphne = spawn(DAPHNE, ['-b', '127.0.0.1', '-p', String(port), 'notifications_app:app'], {
      cwd: APP_DIR,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: 'ignore',
    });
    await waitForHttp(`http://127.0.0.1:${port}/`, 60_000, 200, daphne);
    base = `ws://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    if (daphne.exitCode === null) {
      const exited = new Promise((r) => daphne.once('exit', r));
      daphne.kill('SIGTERM');
      await exited;
    }
  });

  it('upgrades through Daphne and gets a pong for a ping', async () => {
    const r = await runConfig({ kind: 'websocket', url: `${base}/ws/echo/`, ...auth, send: 'ping', timeout: '20s', conditions: ['[STATUS] == 101', '[BODY].type == pong'] });
    expect(r.conditions.filter((c) => !c.ok)).toEqual([]);
    expect(r.status).toBe('up');
  });

  it('reads the greeting a consumer sends on connect; a wrong expectation fails with the value seen', async () => {
    const r = await runConfig({ kind: 'websocket', url: `${base}/ws/notifications/`, ...auth, receive: true, timeout: '20s', conditions: ['[BODY].unread == 0'] });
    expect(r.status).toBe('down');
    expect(r.conditions[0]).toMatchObject({ ok: false, actual: '3' });
  });

  it('is down with Daphne’s 403 when the consumer closes before accepting (wrong Origin)', async () => {
    const r = await runConfig({ kind: 'websocket', url: `${base}/ws/echo/`, headers: { Origin: 'https://evil.example', Cookie: 'sessionid=good' }, timeout: '20s' });
    expect(r.status).toBe('down');
    expect(r.error).toBe('upgrade refused with HTTP 403');
  });
});
