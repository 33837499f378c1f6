/**
 * The PostgreSQL siblings of a busy store, through the daemon's API: a write waiting on a row
 * another session holds past the server's lock_timeout (55P03) is OPSBOOK_E_STORE_BUSY; a write
 * whose connection an administrator ends mid-request (pg_terminate_backend, 57P01) is
 * OPSBOOK_E_STORE_UNAVAILABLE. Both answer 503 with Retry-After, are logged with their cause, and
 * leave the incident as it was; the next request is served again.
 */
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/daemon/index.js';
import { insertIncident, type ScratchDatabase } from '../../src/store/index.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { PG_ADMIN_URL, createTestDatabase, postgresUp } from '../support/services.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const USERS = 'users:\n  - name: admin-user\n    role: admin\n  - name: ana\n    role: responder\n';

interface LogLine {
  level: number;
  msg: string;
  err?: { code?: string; message?: string };
}

describe.skipIf(!pgUp)('a write the PostgreSQL store cannot take now', () => {
  let h: DaemonApp;
  let db: ScratchDatabase;
  let token: string;
  const lines: LogLine[] = [];
  const holders: pg.Client[] = [];

  /** A daemon on a fresh database whose sessions get `settings` (ALTER DATABASE … SET), with incident `id`. */
  async function start(settings: string, id: string): Promise<void> {
    db = await createTestDatabase('opsbook_busy');
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      if (settings) await admin.query(`alter database ${db.name} set ${settings}`);
    } finally {
      await admin.end();
    }
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
        done();
      },
    });
    h = await startDaemonApp('busy-pg', { 'ops.yaml': `${USERS}storage:\n  url: ${db.url}\n` }, { logger: createLogger({ level: 'info', pretty: false, destination }) });
    token = (await apiTokens(h.daemon, 'admin-user', ['ana'])).ana!;
    const now = h.daemon.clock.now();
    await insertIncident(h.daemon.store.db, {
      id, title: 'Checkout slow', state: 'triggered', severity: 'P2', service: 'web', source: 'alert', opened_at: now, updated_at: now,
      acknowledged_at: null, resolved_at: null, response_due_at: null, response_from: null, labels: '{}', runbook: null, created_by: 'system:rules', reopened: 0, held_notification: null,
    });
  }

  /** Another session holding incident `id`'s row (SELECT … FOR UPDATE in an open transaction). */
  async function holdRow(id: string): Promise<pg.Client> {
    const holder = new pg.Client({ connectionString: db.url });
    holder.on('error', () => {});
    await holder.connect();
    holders.push(holder);
    await holder.query('begin');
    await holder.query('select id from incidents where id = $1 for update', [id]);
    return holder;
  }

  const acknowledge = (id: string) => h.app.inject({ method: 'POST', url: `/api/incidents/${id}/acknowledge`, payload: {}, headers: { authorization: `Bearer ${token}` } });
  const state = async (id: string) => (await h.daemon.store.db.selectFrom('incidents').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
  const failures = () => lines.filter((l) => l.level >= 50 && l.msg === 'request failed');

  afterEach(async () => {
    for (const holder of holders.splice(0)) await holder.end().catch(() => {});
    await h?.close();
    await db?.drop();
    lines.length = 0;
  });
  afterAll(async () => {
    for (const holder of holders) await holder.end().catch(() => {});
  });

  it('answers a lock held past lock_timeout with OPSBOOK_E_STORE_BUSY, 503 and Retry-After', async () => {
    await start(`lock_timeout = '300ms'`, 'inc_locked');
    const holder = await holdRow('inc_locked');
    const res = await acknowledge('inc_locked');
    expect(res.statusCode, res.body).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    const body = res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe('OPSBOOK_E_STORE_BUSY');
    expect(body.error.message).toMatch(/another session holds a lock/);
    expect(body.error.message).toMatch(/Nothing was changed/);
    expect(failures().map((l) => l.err?.code)).toEqual(['OPSBOOK_E_STORE_BUSY']);
    expect(JSON.stringify(failures()[0])).toContain('lock timeout');

    await holder.query('rollback');
    expect(await state('inc_locked')).toBe('triggered');
    expect((await acknowledge('inc_locked')).statusCode).toBe(200);
    expect(await state('inc_locked')).toBe('acknowledged');
  });

  it('answers a connection ended mid-request with OPSBOOK_E_STORE_UNAVAILABLE, 503 and Retry-After; the next request is served', async () => {
    await start('', 'inc_cut');
    const holder = await holdRow('inc_cut');
    const pending = acknowledge('inc_cut');
    // The daemon's session waiting on the row lock is the one to end.
    const deadline = Date.now() + scaled(20_000);
    let waiting: number | undefined;
    while (waiting === undefined) {
      const { rows } = await holder.query<{ pid: number }>("select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()");
      waiting = rows[0]?.pid;
      if (waiting === undefined) {
        if (Date.now() > deadline) throw new Error('the daemon never waited on the held row');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await holder.query('select pg_terminate_backend($1)', [waiting]);
    const res = await pending;
    expect(res.statusCode, res.body).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    const body = res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe('OPSBOOK_E_STORE_UNAVAILABLE');
    expect(body.error.message).toMatch(/cannot be reached/);
    expect(failures().map((l) => l.err?.code)).toEqual(['OPSBOOK_E_STORE_UNAVAILABLE']);

    await holder.query('rollback');
    expect(await state('inc_cut')).toBe('triggered');
    expect((await acknowledge('inc_cut')).statusCode).toBe(200);
    expect(await state('inc_cut')).toBe('acknowledged');
  });
});
