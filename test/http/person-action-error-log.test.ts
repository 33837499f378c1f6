/**
 * A person's action that fails inside opsbook (here the store refuses the write with an error
 * opsbook has no name for) is answered 500 and logged once, with its cause, under the request's id:
 * not once by the operations pipeline it ran in and again by the HTTP error handler.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/daemon/index.js';
import { insertIncident } from '../../src/store/index.js';
import { apiTokens } from '../support/daemon-app.js';
import { refuseWrites } from '../support/store-faults.js';
import { form, signIn, startUi, type SignedIn, type UiHarness } from '../ui/support.js';

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  err?: { message?: string; stack?: string };
}

describe("a person's action that fails inside opsbook", () => {
  let h: UiHarness;
  let token: string;
  let responder: SignedIn;
  const lines: LogLine[] = [];
  const errors = (): LogLine[] => lines.filter((l) => l.level >= 50);

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
        done();
      },
    });
    h = await startUi({ operations: true, logger: createLogger({ level: 'info', pretty: false, destination }) });
    responder = await signIn(h.app, 'responder-user');
    token = (await apiTokens(h.daemon, 'admin-user', ['responder-user']))['responder-user']!;
    const now = h.daemon.clock.now();
    for (const id of ['inc_api', 'inc_ui']) {
      await insertIncident(h.daemon.store.db, {
        id, title: `Queue ${id} backed up`, state: 'triggered', severity: 'P2', service: 'web', source: 'alert', opened_at: now, updated_at: now,
        acknowledged_at: null, resolved_at: null, response_due_at: null, response_from: null, labels: '{}', runbook: null, created_by: 'system:rules', reopened: 0, held_notification: null,
      });
    }
  });
  afterAll(async () => h?.close());

  it('an API acknowledge: 500, one error line with its cause and the request id', async () => {
    const heal = await refuseWrites(h.daemon.store.db, 'sqlite', 'incidents', { on: 'update', message: 'injected: incidents refused' });
    lines.length = 0;
    const res = await h.app.inject({ method: 'POST', url: '/api/incidents/inc_api/acknowledge', payload: {}, headers: { authorization: `Bearer ${token}` } });
    await heal();
    expect(res.statusCode, res.body).toBe(500);
    const id = res.json<{ error: { request_id: string } }>().error.request_id;
    expect(errors().map((l) => l.msg), JSON.stringify(errors())).toEqual(['request failed']);
    expect(errors()[0]!.reqId).toBe(id);
    expect(errors()[0]!.err?.message).toContain('injected: incidents refused');
  });

  it('a UI acknowledge: an error page, one error line with its cause', async () => {
    const heal = await refuseWrites(h.daemon.store.db, 'sqlite', 'incidents', { on: 'update', message: 'injected: incidents refused' });
    lines.length = 0;
    const res = await h.app.inject({ method: 'POST', url: '/incidents/inc_ui/act', ...form({ action: 'acknowledge', _csrf: responder.csrf }), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: responder.cookie } });
    await heal();
    expect(res.statusCode).toBe(500);
    expect(errors().map((l) => l.msg), JSON.stringify(errors())).toEqual(['request failed']);
    expect(errors()[0]!.err?.message).toContain('injected: incidents refused');
  });

  it('ending a silence through the API: 500, one error line with its cause', async () => {
    const created = await h.app.inject({
      method: 'POST', url: '/api/silences', headers: { authorization: `Bearer ${token}` },
      payload: { matchers: [{ label: 'service', value: 'web' }], ends_at: h.daemon.clock.now() + 3_600_000, comment: 'deploy' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const heal = await refuseWrites(h.daemon.store.db, 'sqlite', 'silences', { on: 'update', message: 'injected: silences refused' });
    lines.length = 0;
    const res = await h.app.inject({ method: 'DELETE', url: `/api/silences/${created.json<{ id: string }>().id}`, headers: { authorization: `Bearer ${token}` } });
    await heal();
    expect(res.statusCode, res.body).toBe(500);
    expect(errors().map((l) => l.msg), JSON.stringify(errors())).toEqual(['request failed']);
    expect(errors()[0]!.err?.message).toContain('injected: silences refused');
  });

});
