/**
 * Another process holds the SQLite store's write lock past busy_timeout (a long prune, a migration
 * of a big file, a stuck process). A write through the API, the UI or the CLI is refused by name,
 * OPSBOOK_E_STORE_BUSY (503 with Retry-After), saying another process holds the store and nothing
 * was changed; the daemon logs it with its cause; once the lock is released the same writes go
 * through and nothing stored was lost.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/daemon/index.js';
import { insertIncident } from '../../src/store/index.js';
import { listAudit } from '../../src/store/repos/audit.js';
import { runCli } from '../support/cli.js';
import { exited, startChild } from '../support/crash.js';
import { apiTokens } from '../support/daemon-app.js';
import { form, signIn, startUi, type SignedIn, type UiHarness } from '../ui/support.js';

const STORAGE = 'storage:\n  url: ./opsbook.db\n';

describe('a write while another process holds the SQLite store', () => {
  let h: UiHarness;
  let responder: SignedIn;
  let token: string;
  let holder: ChildProcess | undefined;
  let file: string;
  const lines: Array<{ level: number; msg: string; err?: { message?: string; code?: string; stack?: string } }> = [];

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as (typeof lines)[number]);
        done();
      },
    });
    h = await startUi({ yaml: STORAGE, operations: true, logger: createLogger({ level: 'info', pretty: false, destination }) });
    file = path.join(h.dir, 'opsbook.db');
    responder = await signIn(h.app, 'responder-user');
    token = (await apiTokens(h.daemon, 'admin-user', ['responder-user']))['responder-user']!;
    const now = h.daemon.clock.now();
    for (const id of ['inc_api', 'inc_ui', 'inc_cli']) {
      await insertIncident(h.daemon.store.db, {
        id, title: `Queue ${id} backed up`, state: 'triggered', severity: 'P2', service: 'web', source: 'alert', opened_at: now, updated_at: now,
        acknowledged_at: null, resolved_at: null, response_due_at: null, response_from: null, labels: '{}', runbook: null, created_by: 'system:rules', reopened: 0, held_notification: null,
      });
    }
    holder = await startChild('test/store/write-lock-holder.ts', [file]);
  });
  afterAll(async () => {
    if (holder) {
      fs.writeFileSync(path.join(path.dirname(file), 'release'), '');
      await exited(holder);
    }
    await h?.close();
  });

  async function states(): Promise<Record<string, string>> {
    const rows = await h.daemon.store.db.selectFrom('incidents').select(['id', 'state']).execute();
    return Object.fromEntries(rows.map((r) => [r.id, r.state]));
  }

  // Each refusal comes after the store's whole wait for the lock (SQLITE_BUSY_WAIT_MS, 5 s): the CLI's,
  // in a process of its own that logs nothing here, is waited out beside the API's. The API's and the
  // UI's run in turn: each counts the daemon's log lines of its own refusal.
  it.concurrent('refuses an API acknowledge with OPSBOOK_E_STORE_BUSY, 503 and Retry-After, logged with its cause', async ({ expect }) => {
    const res = await h.app.inject({ method: 'POST', url: '/api/incidents/inc_api/acknowledge', payload: {}, headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode, res.body).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    const body = res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe('OPSBOOK_E_STORE_BUSY');
    expect(body.error.message).toMatch(/another process/);
    expect(body.error.message).toMatch(/nothing was changed/i);
    const logged = lines.filter((l) => l.level >= 50 && l.msg === 'request failed');
    expect(logged.map((l) => l.err?.code)).toEqual(['OPSBOOK_E_STORE_BUSY']);
    expect(JSON.stringify(logged[0])).toContain('database is locked');
  });

  it.concurrent('has the CLI print the named error and exit 1, without a stack trace', async ({ expect }) => {
    const run = await runCli(['incident', 'ack', 'inc_cli', '--as', 'responder-user', '--config', path.join(h.dir, 'ops.yaml')]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('[OPSBOOK_E_STORE_BUSY]');
    expect(run.stderr).toMatch(/another process/);
    expect(run.stderr).not.toMatch(/OPSBOOK_E_INTERNAL|OPSBOOK_DEBUG|\n\s+at |"stack"/);
    // Told once, by name: no log line of the daemon's pipeline beside it.
    expect(run.stderr + run.stdout).not.toMatch(/"level":/);
  });

  it('answers a UI note with a 503 page naming the busy store, logged', async () => {
    lines.length = 0;
    const res = await h.app.inject({ method: 'POST', url: '/incidents/inc_ui/act', ...form({ action: 'note', note: 'looking', _csrf: responder.csrf }), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: responder.cookie } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.body).toContain('That did not work');
    expect(res.body).toContain('another process');
    expect(lines.filter((l) => l.level >= 50 && l.msg === 'request failed').map((l) => l.err?.code)).toEqual(['OPSBOOK_E_STORE_BUSY']);
  });

  it('changed nothing while refused, and takes the same writes once the lock is released', async () => {
    expect(await states()).toEqual({ inc_api: 'triggered', inc_cli: 'triggered', inc_ui: 'triggered' });
    expect(await h.daemon.store.db.selectFrom('incident_timeline').select('kind').where('incident_id', '=', 'inc_ui').where('kind', '=', 'note').execute()).toEqual([]);
    fs.writeFileSync(path.join(h.dir, 'release'), '');
    await exited(holder!);
    holder = undefined;
    const api = await h.app.inject({ method: 'POST', url: '/api/incidents/inc_api/acknowledge', payload: {}, headers: { authorization: `Bearer ${token}` } });
    expect(api.statusCode, api.body).toBe(200);
    const cli = await runCli(['incident', 'ack', 'inc_cli', '--as', 'responder-user', '--config', path.join(h.dir, 'ops.yaml')]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(await states()).toEqual({ inc_api: 'acknowledged', inc_cli: 'acknowledged', inc_ui: 'triggered' });
    expect((await listAudit(h.daemon.store.db)).filter((e) => e.action === 'incident.acknowledged')).toHaveLength(2);
  });
});
