/**
 * A UI action that fails on opsbook's side (here the store cannot write: a full disk) answers an
 * error page and logs the failure with its cause, as the API does: no 5xx without a log line.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/daemon/index.js';
import { insertIncident } from '../../src/store/index.js';
import { refuseWrites } from '../support/store-faults.js';
import { form, signIn, startUi, type SignedIn, type UiHarness } from './support.js';

describe('a UI action the store cannot write', () => {
  let h: UiHarness;
  let responder: SignedIn;
  const lines: Array<{ level: number; msg: string; err?: { message?: string; code?: string } }> = [];
  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as (typeof lines)[number]);
        done();
      },
    });
    h = await startUi({ logger: createLogger({ level: 'info', pretty: false, destination }) });
    responder = await signIn(h.app, 'responder-user');
    const now = h.daemon.clock.now();
    await insertIncident(h.daemon.store.db, {
      id: 'inc_full', title: 'Disk full', state: 'triggered', severity: 'P2', service: 'web', source: 'alert', opened_at: now, updated_at: now,
      acknowledged_at: null, resolved_at: null, response_due_at: null, response_from: null, labels: '{}', runbook: null, created_by: 'system:rules', reopened: 0, held_notification: null,
    });
  });
  afterAll(async () => h?.close());

  it('answers 503 with an error page naming the full disk, and logs the failure with its cause', async () => {
    await refuseWrites(h.daemon.store.db, 'sqlite', 'incident_timeline', { message: 'database or disk is full' });
    const res = await h.app.inject({ method: 'POST', url: '/incidents/inc_full/act', ...form({ action: 'note', note: 'looking', _csrf: responder.csrf }), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: responder.cookie } });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('That did not work');
    expect(res.body).toContain('disk is full');
    const logged = lines.filter((l) => l.level >= 50 && l.msg === 'request failed');
    expect(logged.map((l) => l.err?.code)).toEqual(['OPSBOOK_E_STORE_FULL']);
  });
});
