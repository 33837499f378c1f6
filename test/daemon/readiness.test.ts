/**
 * Readiness reflects the store: a PostgreSQL database that disappears under a running daemon turns
 * /_health/ready into 503 with the failing check named, while liveness stays 200. A database that
 * stops answering (a stalled connection) gets the same answer within the readiness bound, not a
 * probe that hangs; probes meanwhile share one store check; once it answers again, ready again.
 */
import { describe, expect, it } from 'vitest';
import { STORE_ANSWER_BOUND_MS } from '../../src/daemon/store-readiness.js';
import { startDaemonApp } from '../support/daemon-app.js';
import { createTestDatabase, postgresUp } from '../support/services.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { scaled } from '../support/timing.js';

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

  it('answers 503 within its bound while PostgreSQL stalls, and 200 once it answers again', async () => {
    const db = await createTestDatabase('opsbook_ready_stall');
    const u = new URL(db.url);
    const proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    const viaProxy = new URL(db.url);
    viaProxy.host = proxy.address;
    const { app, close } = await startDaemonApp('ready-stall', { 'ops.yaml': `storage:\n  url: ${viaProxy.toString()}\n` });
    try {
      expect((await app.inject({ url: '/_health/ready' })).statusCode).toBe(200);
      // The cut: open connections dropped, new ones accepted and never answered.
      await proxy.setMode('stall');
      proxy.dropConnections();
      // The pooled connections' first queries may fail at once (their sockets were cut); the next
      // check's query hangs, and readiness says so within its bound.
      // A probe that does not answer at all is what a stalled store must not cause: bounded here.
      const hung = (ms: number) => new Promise<string>((r) => setTimeout(() => r(`/_health/ready did not answer within ${ms} ms`), ms).unref());
      const detail = async () =>
        Promise.race([app.inject({ url: '/_health/ready' }).then((r) => (r.json() as { checks: { store: { detail?: string } } }).checks.store.detail ?? ''), hung(scaled(15_000))]);
      await expect.poll(detail, { timeout: scaled(60_000), interval: 250 }).toMatch(new RegExp(`^no answer within ${STORE_ANSWER_BOUND_MS / 1000} s`));
      // Probes side by side share the hung check and both answer.
      const answers = await Promise.all([app.inject({ url: '/_health/ready' }), app.inject({ url: '/_health/ready' })]);
      for (const bad of answers) {
        expect(bad.statusCode).toBe(503);
        expect(bad.json()).toMatchObject({ status: 'not_ready', checks: { store: { status: 'failing' }, migrations: { status: 'failing', detail: 'store not answering' } } });
        expect(bad.json().checks.store.detail).toMatch(new RegExp(`^no answer within ${STORE_ANSWER_BOUND_MS / 1000} s`));
      }
      expect((await app.inject({ url: '/_health/live' })).statusCode).toBe(200);
      // The database answers again: the hung connections dropped, new ones forwarded.
      await proxy.setMode('forward');
      proxy.dropConnections();
      await expect.poll(async () => (await app.inject({ url: '/_health/ready' })).statusCode, { timeout: scaled(60_000), interval: 250 }).toBe(200);
    } finally {
      await proxy.setMode('forward');
      proxy.dropConnections();
      await close().catch(() => {});
      await proxy.close();
      await db.drop().catch(() => {});
    }
  });
});
