/**
 * The API tokens page's forms refuse on the page: a New token for a user who is not configured comes
 * back with the refusal in the form and the name typed kept; a Revoke of a token that is gone is said
 * above the list. Neither makes or changes a token; a good one is still shown once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landOnRefusal, postForm, signIn, startUi, type SignedIn, type UiHarness } from './support.js';

describe('API tokens page forms', () => {
  let h: UiHarness;
  let admin: SignedIn;
  beforeAll(async () => {
    h = await startUi();
    admin = await signIn(h.app, 'admin-user');
  });
  afterAll(async () => h?.close());

  const post = (url: string, fields: Record<string, string>) => postForm(h.app, admin, url, fields);
  const tokens = async () => (await h.daemon.store.db.selectFrom('api_tokens').select('id').execute()).length;

  it('brings a refused New token back into its form with the name typed', async () => {
    const before = await tokens();
    const landed = await landOnRefusal(h.app, admin, await post('/tokens', { user: 'someone-gone', name: 'grafana' }));
    expect(landed.location).toBe('/tokens#refused');
    expect(landed.body).toMatch(/<h2>New token<\/h2><div class="notice error refused" role="alert" id="refused" tabindex="-1"><p><strong>Create token<\/strong> was refused: [^<]*someone-gone/);
    expect(landed.body).toContain('<input id="token-name" name="name" required maxlength="100" placeholder="grafana" value="grafana">');
    expect(await tokens()).toBe(before);
  });

  it('says above the list that a token to revoke is gone', async () => {
    const landed = await landOnRefusal(h.app, admin, await post('/tokens/tok_nope/revoke', {}));
    expect(landed.body).toContain('<strong>Revoke token tok_nope</strong> was refused: no token with id tok_nope');
  });

  it('still shows a new token once', async () => {
    const res = await post('/tokens', { user: 'viewer-user', name: 'grafana' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<code class="token-secret" id="new-token">[^<]+<\/code>/);
  });
});
