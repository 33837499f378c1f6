/**
 * The Maintenance page's "New silence" form refuses an empty "Equals": `service=""` would match
 * every incident without the label, not one service. The answer names the form field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listLiveSilences } from '../../src/store/index.js';
import { form, signIn, startUi, type SignedIn, type UiHarness } from './support.js';

describe('New silence form', () => {
  let h: UiHarness;
  let responder: SignedIn;
  beforeAll(async () => {
    h = await startUi();
    responder = await signIn(h.app, 'responder-user');
  });
  afterAll(async () => h?.close());

  const post = (value: string) =>
    h.app.inject({ method: 'POST', url: '/maintenance/silences', ...form({ label: 'service', value, hours: '2', comment: 'deploy', _csrf: responder.csrf }), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: responder.cookie } });

  it('refuses an empty Equals with the field named, and creates no silence', async () => {
    for (const value of ['', '  ']) {
      const res = await post(value);
      expect(res.statusCode, res.body.slice(0, 300)).toBe(400);
      expect(res.body).toContain('Equals must not be empty');
    }
    expect(await listLiveSilences(h.daemon.store.db, h.daemon.clock.now())).toEqual([]);
  });

  it('still creates a silence for a value', async () => {
    expect((await post('web')).statusCode).toBe(303);
  });
});
