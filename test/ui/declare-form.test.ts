/**
 * The Declare an incident form refuses on its own page: a title of spaces or a person who is not
 * configured comes back with the refusal in the form, the field named and marked, and what was typed
 * kept; no incident is made. A good declaration still opens the incident.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landOnRefusal, postForm, signIn, startUi, type SignedIn, type UiHarness } from './support.js';

describe('Declare an incident form', () => {
  let h: UiHarness;
  let responder: SignedIn;
  beforeAll(async () => {
    h = await startUi({ yaml: 'services:\n  - id: api\n  - id: db\n' });
    responder = await signIn(h.app, 'responder-user');
  });
  afterAll(async () => h?.close());

  const post = (fields: Record<string, string>) => postForm(h.app, responder, '/incidents', fields);
  const incidents = async () => (await h.daemon.store.db.selectFrom('incidents').select('id').execute()).length;

  it('brings a refused declaration back to its form with what was typed, the field named and marked', async () => {
    const typed = { title: '   ', severity: 'P2', service: 'db', commander: 'admin-user', communications: '', description: 'checkout 502s since 03:10' };
    const landed = await landOnRefusal(h.app, responder, await post(typed));
    expect(landed.location).toBe('/incidents/new#refused');
    expect(landed.status).toBe(200);
    expect(landed.body).toMatch(/<strong>Declare incident<\/strong> was refused — <a href="#title">Title<\/a>: /);
    expect(landed.body).toContain('<input id="title" name="title" required maxlength="500" autofocus value="   " aria-invalid="true" aria-describedby="refused">');
    expect(landed.body).toContain('<option value="P2" selected>');
    expect(landed.body).toContain('<option value="db" selected>db</option>');
    expect(landed.body).toMatch(/<select id="commander" name="commander"><option value="">— nobody yet —<\/option>(<option>[a-z-]+<\/option>)*<option selected>admin-user<\/option>/);
    expect(landed.body).toContain('>checkout 502s since 03:10</textarea>');
    expect(await incidents()).toBe(0);
  });

  it('names a person who is not configured', async () => {
    const landed = await landOnRefusal(h.app, responder, await post({ title: 'db down', severity: 'P1', commander: 'nobody-here' }));
    expect(landed.body).toContain('<strong>Declare incident</strong> was refused — <a href="#commander">Incident commander</a>: nobody-here is not one of the configured users');
    expect(landed.body).toContain('<input id="title" name="title" required maxlength="500" autofocus value="db down">');
    expect(await incidents()).toBe(0);
  });

  it('still declares a good incident', async () => {
    const res = await post({ title: 'db down', severity: 'P1', service: 'db' });
    expect(res.statusCode).toBe(303);
    expect(String(res.headers.location)).toMatch(/^\/incidents\/[^/#]+$/);
    expect(await incidents()).toBe(1);
  });
});
