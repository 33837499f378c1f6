/**
 * Readiness reflects the store: a PostgreSQL database that disappears under a running daemon turns
 * /_health/ready into 503 with the failing check named, while liveness stays 200.
 */
import { describe, expect, it } from 'vitest';
import { startDaemonApp } from '../support/daemon-app.js';
import { createTestDatabase, postgresUp } from '../support/services.js';

const pgAvailable = await postgresUp();

describe.skipIf(!pgAvailable)('readiness on PostgreSQL', () => {
  it('is 200 while the store answers and 503 naming the store once it is gone', async () => {
    const db = await createTestDatabase('opsbook_ready');
    const { app, close } = await startDaemonApp('ready', { 'ops.yaml': `storage:\n  url: ${db.url}\n` });
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
      // The database is gone, so stopping the daemon's store may fail; that is not what this test is about.
      await close().catch(() => {});
    }
  });
});
