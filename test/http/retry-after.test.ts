/**
 * Every refusal a retry can get past says when to try again, as the busy store's refusal does
 * (Retry-After: 5). A write refused because the store's disk is full (OPSBOOK_E_STORE_FULL, 503):
 * Retry-After is `storage.full_retry`, the interval at which opsbook itself tries a write again; an
 * incident timeline whose next number kept being taken (OPSBOOK_E_STORE_CONTENDED, 429): a second.
 * Over real HTTP on loopback (the API) and in-process (the UI), on a real SQLite store.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertIncident } from '../../src/store/index.js';
import { apiTokens, listenOnLoopback } from '../support/daemon-app.js';
import { refuseWrites } from '../support/store-faults.js';
import { form, signIn, startUi, type SignedIn, type UiHarness } from '../ui/support.js';

describe('a write refused for now says when to retry', () => {
  let h: UiHarness;
  let base: string;
  let token: string;
  let responder: SignedIn;
  let heal: () => Promise<void>;

  beforeAll(async () => {
    h = await startUi({ yaml: 'storage:\n  full_retry: 30s\n', operations: true });
    base = await listenOnLoopback(h.app);
    responder = await signIn(h.app, 'responder-user');
    token = (await apiTokens(h.daemon, 'admin-user', ['responder-user']))['responder-user']!;
    const now = h.daemon.clock.now();
    await insertIncident(h.daemon.store.db, {
      id: 'inc_full', title: 'Disk full', state: 'triggered', severity: 'P2', service: 'web', source: 'alert', opened_at: now, updated_at: now,
      acknowledged_at: null, resolved_at: null, response_due_at: null, response_from: null, labels: '{}', runbook: null, created_by: 'system:rules', reopened: 0, held_notification: null,
    });
    heal = await refuseWrites(h.daemon.store.db, 'sqlite', 'incident_timeline', { message: 'database or disk is full' });
  });
  afterAll(async () => {
    await heal?.();
    await h?.close();
  });

  it('answers an API write 503 OPSBOOK_E_STORE_FULL with Retry-After: storage.full_retry in seconds', async () => {
    const res = await fetch(`${base}/api/incidents/inc_full/notes`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'looking' }) });
    const body = (await res.json()) as { error: { code: string } };
    expect(res.status, JSON.stringify(body)).toBe(503);
    expect(body.error.code).toBe('OPSBOOK_E_STORE_FULL');
    expect(res.headers.get('retry-after')).toBe('30');
  });

  it('answers a UI write the same way', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/incidents/inc_full/act', ...form({ action: 'note', note: 'looking', _csrf: responder.csrf }), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: responder.cookie } });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('disk is full');
    expect(res.headers['retry-after']).toBe('30');
  });

  it('answers a note whose timeline number kept being taken 429 OPSBOOK_E_STORE_CONTENDED with Retry-After', async () => {
    await heal();
    // An insert the trigger ignores writes nothing, as one that lost its number to another process does.
    await sql.raw('create trigger taken_numbers before insert on incident_timeline begin select raise(ignore); end').execute(h.daemon.store.db);
    heal = async () => void (await sql.raw('drop trigger taken_numbers').execute(h.daemon.store.db));
    const res = await fetch(`${base}/api/incidents/inc_full/notes`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'looking' }) });
    const body = (await res.json()) as { error: { code: string } };
    expect(res.status, JSON.stringify(body)).toBe(429);
    expect(body.error.code).toBe('OPSBOOK_E_STORE_CONTENDED');
    expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  });
});
