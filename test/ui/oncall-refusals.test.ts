/**
 * The On call page's forms refuse on the page they are on: a Cover a shift or Swap shifts form with a
 * wrong range is shown again, opened, with the refusal inside it naming and marking the field and
 * what was typed kept; a feed or override that is gone is said above the schedules. Nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { landOnRefusal, postForm, signIn, startUi, type SignedIn, type UiHarness } from './support.js';

const SCHEDULE = `schedules:
  - id: primary
    time_zone: Europe/Berlin
    layers:
      - users: [responder-user, admin-user]
        rotation: { length: 1d, handoff: "09:00", start: 2026-03-23 }
`;

describe('On call page forms', () => {
  let h: UiHarness;
  let responder: SignedIn;
  beforeAll(async () => {
    h = await startUi({ yaml: SCHEDULE, clock: new SimulatedClock(Date.parse('2026-03-26T12:00:00Z')) });
    responder = await signIn(h.app, 'responder-user');
  });
  afterAll(async () => h?.close());

  const post = (url: string, fields: Record<string, string>) => postForm(h.app, responder, url, fields);
  const stored = async () => (await h.daemon.store.db.selectFrom('oncall_overrides').select('id').execute()).length;

  it('shows a refused Cover a shift form again, opened, with the refusal in it and what was typed', async () => {
    const typed = { schedule: 'primary', user: 'responder-user', covers: 'admin-user', start: '2026-03-28T13:00', end: '2026-03-28T09:00', reason: 'dentist' };
    const landed = await landOnRefusal(h.app, responder, await post('/oncall/overrides', typed));
    expect(landed.location).toBe('/oncall#refused-override-primary');
    expect(landed.status).toBe(200);
    expect(landed.body).toMatch(/<details class="oncall-change" open><summary>Cover a shift<\/summary>\s*<form method="post" action="\/oncall\/overrides"[^>]*>.*<div class="notice error refused" role="alert" id="refused-override-primary"/s);
    expect(landed.body).toMatch(/<strong>Create override<\/strong> was refused — <a href="#o-end-primary">Until<\/a>: Until: /);
    expect(landed.body).toContain('<input id="o-end-primary" name="end" type="datetime-local" required value="2026-03-28T09:00" aria-invalid="true" aria-describedby="refused-override-primary">');
    expect(landed.body).toContain('<input id="o-start-primary" name="start" type="datetime-local" required value="2026-03-28T13:00">');
    expect(landed.body).toContain('<input id="o-reason-primary" name="reason" required maxlength="500" value="dentist">');
    expect(landed.body).toMatch(/<select id="o-covers-primary" name="covers"><option value="">\(not said\)<\/option><option>responder-user<\/option><option selected>admin-user<\/option>/);
    // The other form stays closed, and nothing was stored.
    expect(landed.body).toContain('<details class="oncall-change"><summary>Swap shifts</summary>');
    expect(await stored()).toBe(0);
  });

  it('shows a refused Swap shifts form the same way', async () => {
    const typed = { schedule: 'primary', user: 'responder-user', with: 'responder-user', start: '2026-03-28T09:00', end: '2026-03-29T09:00', return_start: '2026-03-30T09:00', return_end: '2026-03-31T09:00', reason: 'wedding' };
    const landed = await landOnRefusal(h.app, responder, await post('/oncall/swaps', typed));
    expect(landed.location).toBe('/oncall#refused-swap-primary');
    expect(landed.body).toContain('<strong>Create swap</strong> was refused — <a href="#s-with-primary">Swaps with</a>');
    expect(landed.body).toContain('Swaps with: responder-user cannot cover their own shift');
    expect(landed.body).toContain('<input id="s-rend-primary" name="return_end" type="datetime-local" required value="2026-03-31T09:00">');
    expect(await stored()).toBe(0);
  });

  it('says above the schedules that a feed or an override to act on is gone, and a forged schedule id is not echoed into the address', async () => {
    const feed = await landOnRefusal(h.app, responder, await post('/oncall/feeds/nope/revoke', {}));
    expect(feed.location).toBe('/oncall#refused');
    expect(feed.body).toContain('<strong>Revoke feed nope</strong> was refused');
    const gone = await landOnRefusal(h.app, responder, await post('/oncall/overrides/nope/delete', {}));
    expect(gone.body).toContain('<strong>Delete override nope</strong> was refused');
    expect(gone.body).toContain('no override nope');
    const forged = await landOnRefusal(h.app, responder, await post('/oncall/overrides', { schedule: 'no such\nschedule', user: 'responder-user', start: '2026-03-28T09:00', end: '2026-03-28T13:00', reason: 'x' }));
    expect(forged.location).toBe('/oncall#refused');
    expect(forged.body).toContain('<strong>Create override</strong> was refused');
  });
});
