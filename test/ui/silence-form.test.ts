/**
 * The Maintenance page's "New silence" form refuses an empty "Equals": `service=""` would match
 * every incident without the label, not one service. The refusal is shown on the Maintenance page
 * after a redirect, naming the form field, marking it, with what was typed in the form again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listLiveSilences } from '../../src/store/index.js';
import { landOnRefusal, postForm, signIn, startUi, type SignedIn, type UiHarness } from './support.js';

describe('New silence form', () => {
  let h: UiHarness;
  let responder: SignedIn;
  beforeAll(async () => {
    h = await startUi();
    responder = await signIn(h.app, 'responder-user');
  });
  afterAll(async () => h?.close());

  const post = (value: string) => postForm(h.app, responder, '/maintenance/silences', { label: 'service', value, hours: '2', comment: 'deploy' });

  it('refuses an empty Equals with the field named, and creates no silence', async () => {
    for (const value of ['', '  ']) {
      const landed = await landOnRefusal(h.app, responder, await post(value));
      expect(landed.location).toBe('/maintenance#refused');
      expect(landed.status).toBe(200);
      expect(landed.body).toContain('<strong>Create silence</strong> was refused — <a href="#s-value">Equals</a>: Equals must not be empty');
      expect(landed.body).toMatch(/<input id="s-value" name="value" required value="[^"]*" aria-invalid="true" aria-describedby="refused">/);
      expect(landed.body).toContain('<input id="s-comment" name="comment" required maxlength="500" value="deploy">');
    }
    expect(await listLiveSilences(h.daemon.store.db, h.daemon.clock.now())).toEqual([]);
  });

  it('still creates a silence for a value', async () => {
    expect((await post('web')).statusCode).toBe(303);
  });
});
