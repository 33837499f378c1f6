/**
 * A signal during start-up (serve installs its handlers before binding the port): close() arriving
 * while the pipeline starts waits for the part being started, starts nothing after it, and stops
 * everything that did start — no check keeps probing after close() has returned.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/index.js';
import { createLogger, type Logger } from '../../src/daemon/logger.js';

describe('close during start', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('leaves no check running when close() arrives while the pipeline starts', async () => {
    let requests = 0;
    const target = http.createServer((_req, res) => {
      requests++;
      res.end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => target.close(() => r())));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-close-start-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/health`;
    fs.writeFileSync(path.join(dir, 'ops.yaml'), `storage: { url: ${path.join(dir, 'opsbook.db')} }\nchecks:\n  - { id: web, kind: http, url: "${url}", interval: 1s }\n`);
    const daemon = await Daemon.start({ configPath: path.join(dir, 'ops.yaml'), env: {}, operations: 'deferred', logger: silent() });
    const starting = daemon.startOperations();
    const closing = daemon.close();
    const outcome = await starting.then(
      () => 'started',
      (e: { code?: string }) => e.code,
    );
    await closing;
    // Either the whole pipeline had started (and was stopped) or the rest was not started.
    expect(['started', 'OPSBOOK_E_STOPPING']).toContain(outcome);
    const after = requests;
    // Three intervals of the check: a runner left behind would have probed in them.
    await new Promise((r) => setTimeout(r, 3_500));
    expect(requests).toBe(after);
  });

  it('refuses a start after close', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-close-start-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'ops.yaml'), `storage: { url: ${path.join(dir, 'opsbook.db')} }\n`);
    const daemon = await Daemon.start({ configPath: path.join(dir, 'ops.yaml'), env: {}, operations: 'deferred', logger: silent() });
    await daemon.close();
    await expect(daemon.startOperations()).rejects.toMatchObject({ code: 'OPSBOOK_E_STOPPING' });
  });
});

function silent(): Logger {
  return createLogger({ level: 'silent', pretty: false });
}
