/**
 * The Maintenance page after a silence is created from its own form: the page still answers, and
 * lists the silence with its matcher; expiring it from the page takes it off the list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, landOnRefusal, signIn, startUi, type SignedIn, type UiHarness } from './support.js';

let h: UiHarness;
let responder: SignedIn;

beforeAll(async () => {
  h = await startUi();
  responder = await signIn(h.app, 'responder-user');
});
afterAll(async () => {
  await h?.close();
});

describe('the Maintenance page with a runtime silence', () => {
  it('lists a silence created from its form, and expiring it removes it', async () => {
    const created = await h.app.inject({
      method: 'POST',
      url: '/maintenance/silences',
      ...form({ label: 'check', value: 'opsbook-ready', hours: '2', comment: 'x', _csrf: responder.csrf }),
      headers: { ...form({}).headers, cookie: responder.cookie, 'x-csrf-token': responder.csrf },
    });
    expect(created.statusCode).toBe(303);
    const page = await h.app.inject({ url: '/maintenance', headers: { cookie: responder.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<code>check=opsbook-ready</code>');
    const id = /action="\/maintenance\/silences\/([^/"]+)\/expire"/.exec(page.body)?.[1];
    expect(id).toBeDefined();
    const expired = await h.app.inject({
      method: 'POST',
      url: `/maintenance/silences/${id}/expire`,
      ...form({ _csrf: responder.csrf }),
      headers: { ...form({}).headers, cookie: responder.cookie, 'x-csrf-token': responder.csrf },
    });
    expect(expired.statusCode).toBe(303);
    const after = await h.app.inject({ url: '/maintenance', headers: { cookie: responder.cookie } });
    expect(after.statusCode).toBe(200);
    expect(after.body).not.toContain('check=opsbook-ready');
  });

  it('refuses a duration the form does not offer, naming the field, and creates nothing', async () => {
    for (const hours of ['abc', '', '0', '99999']) {
      const refused = await h.app.inject({
        method: 'POST',
        url: '/maintenance/silences',
        ...form({ label: 'check', value: 'opsbook-ready', hours, comment: 'x', _csrf: responder.csrf }),
        headers: { ...form({}).headers, cookie: responder.cookie, 'x-csrf-token': responder.csrf },
      });
      const landed = await landOnRefusal(h.app, responder, refused);
      expect(landed.status, hours).toBe(200);
      expect(landed.body, hours).toContain(`<a href="#s-hours">For (hours)</a>: For (hours) must be a number from 0.25 to 720 (got &quot;${hours}&quot;)`);
      expect(landed.body, hours).toContain(`name="hours" type="number" min="0.25" max="720" step="0.25" value="${hours}" required aria-invalid="true"`);
    }
    const page = await h.app.inject({ url: '/maintenance', headers: { cookie: responder.cookie } });
    expect(page.body).toContain('No live silences.');
  });
});
