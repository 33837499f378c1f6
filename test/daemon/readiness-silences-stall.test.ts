/**
 * Readiness names the stored silences that take in too much (`checks.silences`), read again at each
 * probe after the store check. That read waits no longer than what is left of the store check's
 * bound: a store that answers the check and then stalls on the silences — here PostgreSQL with
 * another session holding an ACCESS EXCLUSIVE lock on the table, as a long ALTER TABLE or VACUUM
 * FULL does — still gets the probe answered, the line saying it is as last read; once the lock is
 * gone the silences are read again.
 *
 * PostgreSQL only: on SQLite (WAL) another process never stalls a reader, and a stall inside the
 * process holds the store check's own queries first, which its bound already covers.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { insertSilence, openStore } from '../../src/store/index.js';
import { startDaemonApp } from '../support/daemon-app.js';
import { createMigratedTestDatabase } from '../support/migrated-database.js';
import { postgresUp } from '../support/services.js';
import { scaled } from '../support/timing.js';

const pgAvailable = await postgresUp();
const HOUR = 3_600_000;
/** The matchers column as an older opsbook wrote it: `team=""` holds every incident without a team label. */
const BROAD = JSON.stringify({ matchers: [{ label: 'team', op: '=', value: '' }], onEnd: 'notify_if_firing' });

interface Ready {
  checks: { store: { status: string }; silences?: { status: string; detail?: string } };
}

describe.skipIf(!pgAvailable)('readiness while the stored silences cannot be read', () => {
  it('answers within its bound when the store stalls after its check, and reads the silences again once it answers', async () => {
    const db = await createMigratedTestDatabase('opsbook_ready_silences');
    const store = await openStore({ url: db.url });
    try {
      const now = Date.now();
      await insertSilence(store.db, { id: 'sil_old_team', matchers: BROAD, starts_at: now - HOUR, ends_at: now + 24 * HOUR, created_by: 'ana', created_at: now - HOUR, comment: 'db migration', expired_at: null });
    } finally {
      await store.close();
    }
    const { app, close } = await startDaemonApp('ready-silences', { 'ops.yaml': `storage:\n  url: ${db.url}\n` }, { operations: false });
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    let locked = false;
    try {
      const ready = await app.inject({ url: '/_health/ready' });
      expect(ready.statusCode, ready.body).toBe(200);
      expect((ready.json() as Ready).checks.silences?.detail).toMatch(/^1 stored silence takes in more than opsbook accepts now: sil_old_team \(still in force/);

      // Every read of the silences now waits for the lock; the store check's queries do not.
      await locker.query('begin');
      await locker.query('lock table silences in access exclusive mode');
      locked = true;
      const hung = (ms: number) => new Promise<string>((r) => setTimeout(() => r(`/_health/ready did not answer within ${ms} ms`), ms).unref());
      const answer = await Promise.race([app.inject({ url: '/_health/ready' }), hung(scaled(15_000))]);
      if (typeof answer === 'string') expect.fail(answer);
      expect(answer.statusCode, answer.body).toBe(200);
      const checks = (answer.json() as Ready).checks;
      expect(checks.store.status).toBe('ok');
      expect(checks.silences).toMatchObject({ status: 'ok', detail: expect.stringMatching(/sil_old_team .*; as last read: the store did not answer their read again within the probe's bound$/) });

      // The lock goes: the next probes read the silences again.
      await locker.query('rollback');
      locked = false;
      await expect
        .poll(async () => ((await app.inject({ url: '/_health/ready' })).json() as Ready).checks.silences?.detail, { timeout: scaled(30_000), interval: 100 })
        .toMatch(/sil_old_team \(still in force; GET \/api\/silences says what each takes in and how to narrow it\)$/);
    } finally {
      if (locked) await locker.query('rollback').catch(() => {});
      await locker.end();
      await close();
      await db.drop().catch(() => {});
    }
  }, scaled(120_000));
});
