/**
 * Readiness reflects the store: a PostgreSQL database that disappears under a running daemon turns
 * /_health/ready into 503 with the failing check named, while liveness stays 200.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Daemon, createLogger } from '../../src/daemon/index.js';
import { buildServer } from '../../src/http/index.js';
import { createTestDatabase, postgresUp } from '../support/services.js';

const pgAvailable = await postgresUp();

describe.skipIf(!pgAvailable)('readiness on PostgreSQL', () => {
  it('is 200 while the store answers and 503 naming the store once it is gone', async () => {
    const db = await createTestDatabase('opsbook_ready');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-ready-'));
    fs.writeFileSync(path.join(dir, 'ops.yaml'), `storage:\n  url: ${db.url}\n`);
    const daemon = await Daemon.start({ configPath: path.join(dir, 'ops.yaml'), logger: createLogger({ level: 'silent', pretty: false }) });
    const app = buildServer(daemon);
    try {
      const ok = await app.inject({ url: '/_health/ready' });
      expect(ok.statusCode).toBe(200);
      expect(ok.json().checks.store.status).toBe('ok');
      await db.drop();
      const bad = await app.inject({ url: '/_health/ready' });
      expect(bad.statusCode).toBe(503);
      expect(bad.json()).toMatchObject({ status: 'not_ready', checks: { store: { status: 'failing' } } });
      expect((await app.inject({ url: '/_health/live' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await daemon.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
