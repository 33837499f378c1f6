/**
 * The review editor and the status page's forms refuse on their page, keeping what was typed. A
 * review can be pages long (more than a cookie carries), so its refusal is answered in place: the
 * editor again, with the refusal and every character typed. A publish or update refused on the status
 * page comes back in that incident's form with its words. A person outside a team that restricts
 * changes may not write the review of that team's incident; nothing is saved by a refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentReader } from '../../src/http/ui/data/incidents.js';
import { setUserPassword } from '../../src/http/sessions/index.js';
import { landOnRefusal, pageAs, PASSWORD, postForm, signIn, startUi, TEST_COST, type SignedIn, type UiHarness } from './support.js';

const admin = { name: 'admin-user', role: 'admin' as const, via: 'cli' as const };

describe('review and status page forms refuse on their page', () => {
  let h: UiHarness;
  let responder: SignedIn;
  let outsider: SignedIn;
  let payIncident: string;
  let webIncident: string;
  beforeAll(async () => {
    h = await startUi({
      yaml: `  - { name: cy, role: responder }
services:
  - { id: pay }
  - { id: web, name: Web shop }
teams:
  - { id: payments, members: [responder-user], services: [pay], restrict_writes: true }
status_page:
  services:
    - { service: web, name: Web shop }
`,
    });
    await setUserPassword({ store: h.daemon.store, clock: h.daemon.clock, users: h.daemon.config.users }, admin, 'cy', PASSWORD, TEST_COST);
    responder = await signIn(h.app, 'responder-user');
    outsider = await signIn(h.app, 'cy');
    const reader = incidentReader(h.daemon);
    payIncident = (await reader.create({ title: 'Payments fail', severity: 'P2', service: 'pay' }, admin)).incident.id;
    webIncident = (await reader.create({ title: 'Shop slow', severity: 'P3', service: 'web' }, admin)).incident.id;
  });
  afterAll(async () => h?.close());

  const versions = async (id: string) => (await incidentReader(h.daemon).reviews(id)).length;

  it('answers a refused review in place with the editor, the refusal and every character typed', async () => {
    // A review longer than any cookie could carry back, and the person is not in the payments team.
    const typed = `# Review of the payments outage\n\n${'What happened, minute by minute. <b>&amp; "quoted"</b>\n'.repeat(200)}`;
    expect(typed.length).toBeGreaterThan(8_000);
    const res = await postForm(h.app, outsider, `/incidents/${payIncident}/review`, { body: typed, publish: 'yes' });
    expect(res.statusCode, res.body.slice(0, 200)).toBe(403);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/<strong>Save and publish<\/strong> was refused: service pay belongs to team payments, which restricts changes to its members; cy is not one/);
    const area = /<textarea id="review-body" name="body"[^>]*>([\s\S]*?)<\/textarea>/.exec(res.body);
    expect(area, 'the editor is on the page').not.toBeNull();
    const shown = area![1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    expect(shown).toBe(typed);
    expect(res.body, 'not said to be the generated draft').toContain('Your text below, not saved');
    expect(await versions(payIncident)).toBe(0);
  });

  it('marks the editor when the review it refused was empty, and saves a good one as before', async () => {
    const res = await postForm(h.app, responder, `/incidents/${payIncident}/review`, { body: '  \r\n ', publish: '' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('<strong>Save version</strong> was refused — <a href="#review-body">Review (markdown)</a>: a review needs text');
    expect(res.body).toMatch(/<textarea id="review-body" name="body"[^>]* aria-invalid="true" aria-describedby="refused"/);
    expect(await versions(payIncident)).toBe(0);

    const saved = await postForm(h.app, responder, `/incidents/${payIncident}/review`, { body: '# Review\n\nIt went well.', publish: '' });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`/incidents/${payIncident}/review?version=1`);
    expect(await versions(payIncident)).toBe(1);
  });

  it('gives back a review holding a character no store keeps, shown as a browser shows it', async () => {
    const res = await postForm(h.app, responder, `/incidents/${payIncident}/review`, { body: '# Review\n\nPasted from a terminal: \u0000 and the rest.', publish: '' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('<strong>Save version</strong> was refused — <a href="#review-body">Review (markdown)</a>: form.body holds');
    expect(res.body).toContain('># Review\n\nPasted from a terminal: \uFFFD and the rest.</textarea>');
    expect(await versions(payIncident), 'the one saved by the test before').toBe(1);
  });

  it('brings a refused Publish back into that incident’s form with the words typed', async () => {
    const body = 'Checkout is slow for some customers; we are looking.';
    const landed = await landOnRefusal(h.app, responder, await postForm(h.app, responder, `/status/publish/${webIncident}`, { title: '   ', body }));
    expect(landed.location).toBe('/status/publish#refused');
    expect(landed.status).toBe(200);
    const form = new RegExp(`<form method="post" action="/status/publish/${webIncident}"[\\s\\S]*?</form>`).exec(landed.body)?.[0] ?? '';
    expect(form).toContain(`<strong>Publish</strong> was refused — <a href="#p-title-${webIncident}">Public title</a>: the public title must be 1 to 120 characters`);
    expect(form).toMatch(new RegExp(`<input id="p-title-${webIncident}"[^>]* aria-invalid="true" aria-describedby="refused"`));
    expect(form).toContain(`>${body}</textarea>`);
    expect((await pageAs(h.app, responder, '/status')).includes('Checkout is slow')).toBe(false);
  });

  it('brings a refused update back into that incident’s form, and says above the lists what no form is left for', async () => {
    const ok = await postForm(h.app, responder, `/status/publish/${webIncident}`, { title: 'Slow checkout', body: 'We are looking.' });
    expect(ok.statusCode).toBe(303);

    const body = 'A fix is going out now.';
    const landed = await landOnRefusal(h.app, responder, await postForm(h.app, responder, `/status/updates/${webIncident}`, { state: 'fixed-ish', body }));
    expect(landed.location).toBe('/status/publish#refused');
    const form = new RegExp(`<form method="post" action="/status/updates/${webIncident}"[\\s\\S]*?</form>`).exec(landed.body)?.[0] ?? '';
    expect(form).toContain(`<strong>Post update</strong> was refused — <a href="#u-state-${webIncident}">State</a>: state must be one of`);
    expect(form).toContain(`>${body}</textarea>`);

    // Publishing it again: its publish form is gone from the page, so the refusal is said above the lists.
    const again = await landOnRefusal(h.app, responder, await postForm(h.app, responder, `/status/publish/${webIncident}`, { title: 'Twice', body: 'x' }));
    expect(again.body).toMatch(/<div class="notice error refused" role="alert" id="refused" tabindex="-1"><p><strong>Publish<\/strong> was refused: incident [^ ]+ is already on the status page; post an update instead<\/p><\/div>\s*<section class="card" aria-labelledby="h-unpublished">/);
    const updates = await h.daemon.store.db.selectFrom('status_updates').select('body').execute();
    expect(updates.map((u) => u.body)).toEqual(['We are looking.']);
  });
});
