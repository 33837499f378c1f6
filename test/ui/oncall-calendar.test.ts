/** The on-call page's calendar: who is on call each local day of the next two weeks, overrides marked. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { form, signIn, startUi, type UiHarness } from './support.js';

let h: UiHarness;
let body: string;

beforeAll(async () => {
  h = await startUi({
    clock: new SimulatedClock('2026-03-27T15:00:00+01:00'),
    yaml: `  - { name: ann, role: responder }
  - { name: bob, role: responder }
  - { name: eve, role: responder }
schedules:
  - id: primary
    time_zone: Europe/Berlin
    layers:
      - { name: Primary, users: [ann, bob], rotation: { length: 1d, handoff: "09:00", start: "2026-03-23" } }
    overrides:
      - { user: eve, start: "2026-03-30T12:00", end: "2026-03-30T14:00" }
`,
  });
  const { cookie } = await signIn(h.app, 'viewer-user');
  const res = await h.app.inject({ url: '/oncall', headers: { cookie } });
  expect(res.statusCode).toBe(200);
  body = res.body;
});
afterAll(async () => h.close());

describe('on-call calendar', () => {
  it('lists 14 local days from today, each with who is on call and when', () => {
    const days = [...body.matchAll(/<tr data-day="(\d{4}-\d\d-\d\d)">/g)].map((m) => m[1]);
    expect(days).toHaveLength(14);
    expect(days[0]).toBe('2026-03-27');
    expect(days[13]).toBe('2026-04-09');
    const row = (date: string): string => new RegExp(`<tr data-day="${date}">(.*?)</tr>`, 's').exec(body)![1]!;
    // Daily handoff at 09:00 local: one person until 09:00, the other after.
    expect(row('2026-03-28')).toMatch(/00:00–09:00 <strong>(ann|bob)<\/strong>.*09:00–24:00 <strong>(ann|bob)<\/strong>/s);
    expect(row('2026-03-30')).toContain('12:00–14:00 <strong>eve</strong> (override)');
  });

  it('lists the next handoffs and says how many more the 14 days hold', () => {
    const table = /<caption>Next handoffs[^<]*<\/caption>(.*?)<\/table>/s.exec(body)![1]!;
    const rows = table.match(/<tr><td>/g) ?? [];
    expect(rows).toHaveLength(8);
    // A daily handoff at 09:00 from 28 March to 10 April (14), and the override's start and end on 30 March (2).
    const note = /(\d+) more handoffs? in the next 14 days/.exec(body);
    expect(note, 'a note of the handoffs left out').not.toBeNull();
    expect(Number(note![1])).toBe(16 - 8);
  });

  it('lists the caller’s calendar feed URLs and revokes one from its button', async () => {
    const r = await signIn(h.app, 'responder-user');
    const feeds = async () => (await h.app.inject({ url: '/oncall', headers: { cookie: r.cookie } })).body;
    const before = await feeds();
    const mine = /<tr data-feed="([^"]+)"><th scope="row">responder-user(?:'|&#39;|&#x27;)s shifts<\/th><td><code>([^<]+)<\/code>/.exec(before);
    expect(mine).not.toBeNull();
    expect(before).toContain('<th scope="row">schedule primary</th>');
    const revoked = await h.app.inject({
      method: 'POST',
      url: `/oncall/feeds/${mine![1]}/revoke`,
      ...form({ _csrf: r.csrf }),
      headers: { ...form({}).headers, cookie: r.cookie },
    });
    expect(revoked.statusCode).toBe(303);
    expect((await h.app.inject({ url: new URL(mine![2]!.replace(/&amp;/g, '&')).pathname })).statusCode).toBe(404);
    expect(await feeds()).not.toContain(mine![1]);
  });
});
