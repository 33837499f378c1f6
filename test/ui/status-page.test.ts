/**
 * The public status page as people use it: only public services under their public names,
 * incidents shown only once a person publishes them (or after a configured delay), updates in
 * people's words, resolved incidents kept in the history, daily bars that are not green after a
 * minute of downtime or a published incident, an Atom feed, and email subscribers with double
 * opt-in through a real SMTP peer.
 */
import net, { type AddressInfo } from 'node:net';
import { startSmtpPeer, unQuotedPrintable, type ReceivedMail, type SmtpPeer } from '../support/smtp-peer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentReader } from '../../src/http/ui/data/incidents.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { insertResults } from '../../src/store/index.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled } from '../support/timing.js';
import { form } from './support.js';

const HIDDEN_TITLE = 'TITLE-internal-db-failover-7781';
const admin = { name: 'ada', role: 'admin' as const, via: 'cli' as const };
const MIN = 60_000;
const DAY = 86_400_000;

type Mail = ReceivedMail;

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, boundMs = scaled(20_000)): Promise<T> {
  const end = Date.now() + boundMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let smtp: SmtpPeer;
const mails = (): Mail[] => smtp.mails.map((m) => ({ ...m, raw: unQuotedPrintable(m.raw) }));
let target: net.Server;
let targetPort: number;

beforeAll(async () => {
  smtp = await startSmtpPeer();
  // A listening port the service's check probes: the check stays up unless the test writes failures.
  target = net.createServer((s) => s.end());
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetPort = (target.address() as AddressInfo).port;
});
afterAll(async () => {
  await smtp.close();
  await new Promise<void>((resolve) => target.close(() => resolve()));
});

function config(statusPage: string): string {
  return `
server: { public_url: "https://status.example.org/" }
users:
  - { name: ada, role: admin }
  - { name: rita, role: responder }
services:
  - { id: web, name: Web internal name }
  - { id: billing-db, name: Billing database }
checks:
  - { kind: tcp, id: web-port, service: web, host: 127.0.0.1, port: ${targetPort}, interval: 30s }
channels:
  - kind: email
    id: public-mail
    smtp: { host: 127.0.0.1, port: ${smtp.port} }
    from: "Shop status <status@example.org>"
status_page:
${statusPage}
`;
}

/** The daemon and its app; `pipeline: false` when the test moves the clock by days (no probes, no outbox). */
async function startPage(statusPage: string, clock: SimulatedClock, pipeline = true): Promise<{ app: DaemonApp; token: string }> {
  const app = await startDaemonApp('status-page', { 'ops.yaml': config(statusPage) }, { clock, ...(pipeline ? {} : { operations: false }) });
  const tokens = await apiTokens(app.daemon, 'ada', ['rita']);
  return { app, token: tokens.rita! };
}

describe('status page: publishing and history', () => {
  let h: { app: DaemonApp; token: string };
  let clock: SimulatedClock;
  const page = async (): Promise<string> => {
    const res = await h.app.app.inject({ url: '/status' });
    expect(res.statusCode).toBe(200);
    return res.body;
  };
  const publish = (id: string, body: Record<string, unknown>) =>
    h.app.app.inject({ method: 'POST', url: `/api/incidents/${id}/status-page`, headers: { authorization: `Bearer ${h.token}` }, payload: body });

  beforeAll(async () => {
    clock = new SimulatedClock('2026-03-10T12:00:00Z');
    h = await startPage(`  title: Shop status
  services:
    - { service: web, name: Web shop }`, clock, false);
  });
  afterAll(async () => h.app.close());

  it('shows only the listed services, under their public names', async () => {
    const body = await page();
    expect(body).toContain('<h1>Shop status</h1>');
    expect(body).toContain('<strong>Web shop</strong>');
    expect(body).not.toContain('Web internal name');
    expect(body).not.toContain('Billing database');
  });

  it('keeps an incident off the page until a person publishes it, then shows their words; after resolve it stays in the history', async () => {
    const reader = incidentReader(h.app.daemon);
    const { incident } = await reader.create({ title: HIDDEN_TITLE, severity: 'P1', service: 'web' }, admin);
    let body = await page();
    expect(body).not.toContain('Active incidents');
    expect(body).not.toContain(incident.id);
    expect(body).toMatch(/Web shop<\/strong> <span class="state state-up">Operational/);

    const res = await publish(incident.id, { title: 'Checkout is failing', body: 'Payments fail for some customers; we are on it.' });
    expect(res.statusCode, res.body).toBe(201);
    body = await page();
    expect(body).toContain('Active incidents');
    expect(body).toContain('Checkout is failing');
    expect(body).toContain('Payments fail for some customers; we are on it.');
    expect(body).toMatch(/Web shop<\/strong> <span class="state state-warning">Degraded performance/);
    expect(body).not.toContain(HIDDEN_TITLE);

    const again = await publish(incident.id, { title: 'Twice', body: 'x' });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.message).toMatch(/already on the status page/);

    const update = await h.app.app.inject({
      method: 'POST', url: `/api/incidents/${incident.id}/status-page/updates`, headers: { authorization: `Bearer ${h.token}` },
      payload: { state: 'monitoring', body: 'A fix is out; we are watching.' },
    });
    expect(update.statusCode, update.body).toBe(201);
    await clock.advance(9 * MIN);
    await reader.resolve(incident.id, admin);
    body = await page();
    expect(body).not.toContain('Active incidents');
    expect(body).toMatch(/Past incidents<\/h2>\s*<article class="card incident-public incident-resolved" data-incident="[^"]+">\s*<h3>Checkout is failing<\/h3>/);
    expect(body).toContain('A fix is out; we are watching.');

    // 30 days later the incident is still in the 90-day history; after 91 days it is gone.
    await clock.advance(30 * DAY);
    expect(await page()).toContain('Checkout is failing');
    await clock.advance(61 * DAY);
    expect(await page()).not.toContain('Checkout is failing');
  });

  it('refuses to publish an incident of a service that is not public, naming why', async () => {
    const { incident } = await incidentReader(h.app.daemon).create({ title: 'db', severity: 'P2', service: 'billing-db' }, admin);
    const res = await publish(incident.id, { title: 'Billing', body: 'slow' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/service "billing-db", which is not public/);
    const unknown = await publish('inc_nope', { title: 'x', body: 'y' });
    expect(unknown.statusCode).toBe(404);
    const empty = await publish(incident.id, { title: '', body: 'y' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.message).toMatch(/title/);
  });
});

describe('status page: daily bars', () => {
  it('a day with a minute of downtime or a published incident is not green; 30 s of downtime is', async () => {
    const end = Date.parse('2026-05-20T18:00:00Z');
    const today = Math.floor(end / DAY) * DAY;
    // The clock starts yesterday at 02:00, when the P1 opens; the test then moves it to today 18:00.
    const clock = new SimulatedClock(today - DAY + 2 * 3_600_000);
    const h = await startPage(`  services: [{ service: web }]`, clock, false);
    try {
      const results = [];
      // Three days ago: one failed run (30 s of downtime). Two days ago: 18 failed runs in a row, a 9-minute outage.
      for (const [day, failures] of [[today - 3 * DAY, 1], [today - 2 * DAY, 18]] as const) {
        for (let t = day + 3_600_000, n = 0; t < day + 5 * 3_600_000; t += 30_000, n++) results.push({ checkId: 'web-port', at: t, down: n >= 10 && n < 10 + failures, level: 0 as const, latencyMs: 2 });
      }
      // Yesterday: all up, but a 9-minute P1 that a person published.
      for (let t = today - DAY + 3_600_000; t < today - DAY + 5 * 3_600_000; t += 30_000) results.push({ checkId: 'web-port', at: t, down: false, level: 0 as const, latencyMs: 2 });
      await insertResults(h.app.daemon.store.db, results, end);
      const reader = incidentReader(h.app.daemon);
      const { incident } = await reader.create({ title: 'P1', severity: 'P1', service: 'web' }, admin);
      const res = await h.app.app.inject({ method: 'POST', url: `/api/incidents/${incident.id}/status-page`, headers: { authorization: `Bearer ${h.token}` }, payload: { title: 'Outage', body: 'Down.' } });
      expect(res.statusCode, res.body).toBe(201);
      await clock.advance(9 * MIN);
      await reader.resolve(incident.id, admin);
      await clock.advance(end - clock.now());
      const body = (await h.app.app.inject({ url: '/status' })).body;
      const stateOf = (day: number): string | undefined => new RegExp(`data-day="${new Date(day).toISOString().slice(0, 10)}" data-state="([a-z]+)"`).exec(body)?.[1];
      expect(stateOf(today - 3 * DAY)).toBe('ok');
      expect(stateOf(today - 2 * DAY)).toBe('minor');
      expect(stateOf(today - DAY)).toBe('minor');
      expect(stateOf(today - 4 * DAY)).toBe('none');
      expect(body.match(/<rect /g)?.length).toBe(90);
    } finally {
      await h.app.close();
    }
  });
});

describe('status page: publish after a delay', () => {
  it('publishes an open incident of a public service with fixed words once it is older than publish_delay, not before', async () => {
    const clock = new SimulatedClock('2026-03-10T12:00:00Z');
    const h = await startPage(`  publish: after_delay
  publish_delay: 10m
  services: [{ service: web, name: Web shop }]`, clock);
    try {
      const { incident } = await incidentReader(h.app.daemon).create({ title: HIDDEN_TITLE, severity: 'P1', service: 'web' }, admin);
      await clock.advance(9 * MIN);
      expect((await h.app.app.inject({ url: '/status' })).body).not.toContain('Active incidents');
      await clock.advance(2 * MIN);
      const body = await until('the incident on the page', async () => {
        const b = (await h.app.app.inject({ url: '/status' })).body;
        return b.includes('Active incidents') ? b : undefined;
      });
      expect(body).toContain('Web shop: service disruption');
      expect(body).toContain('We are investigating a problem with this service.');
      expect(body).toContain(`data-incident="${incident.id}"`);
      expect(body).not.toContain(HIDDEN_TITLE);
    } finally {
      await h.app.close();
    }
  });
});

describe('status page: subscribers and feed', () => {
  it('confirms by a mailed link, mails each update with an unsubscribe link, and stops after unsubscribing', async () => {
    const clock = new SimulatedClock('2026-03-10T12:00:00Z');
    const h = await startPage(`  services: [{ service: web, name: Web shop }]
  subscribers: { channel: public-mail }`, clock);
    const address = 'reader@example.net';
    const to = (): Mail[] => mails().filter((m) => m.to.includes(address));
    try {
      const bad = await h.app.app.inject({ method: 'POST', url: '/status/subscribe', ...form({ email: 'not an address' }) });
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('not an email address');

      const asked = await h.app.app.inject({ method: 'POST', url: '/status/subscribe', ...form({ email: address }) });
      expect(asked.statusCode).toBe(202);
      const confirmation = await until('the confirmation mail', () => to()[0]);
      expect(confirmation.raw).toMatch(/Subject: Shop status: confirm your subscription|Subject: System status: confirm your subscription/);
      const token = /https:\/\/status\.example\.org\/status\/confirm\?token=([A-Za-z0-9_-]+)/.exec(confirmation.raw)?.[1];
      expect(token).toBeDefined();

      // Nothing is sent before confirmation.
      const reader = incidentReader(h.app.daemon);
      const first = await reader.create({ title: HIDDEN_TITLE, severity: 'P1', service: 'web' }, admin);
      const publish = (id: string) => h.app.app.inject({ method: 'POST', url: `/api/incidents/${id}/status-page`, headers: { authorization: `Bearer ${h.token}` }, payload: { title: 'Slow checkout', body: 'Checkout is slow.' } });
      expect((await publish(first.incident.id)).statusCode).toBe(201);

      const opened = await h.app.app.inject({ url: `/status/confirm?token=${token}` });
      expect(opened.statusCode).toBe(200);
      expect(opened.body).toContain('<button type="submit">Confirm</button>');
      const confirmed = await h.app.app.inject({ method: 'POST', url: '/status/confirm', ...form({ token: token! }) });
      expect(confirmed.statusCode).toBe(200);
      expect(confirmed.body).toContain('Subscribed');

      const update = await h.app.app.inject({
        method: 'POST', url: `/api/incidents/${first.incident.id}/status-page/updates`, headers: { authorization: `Bearer ${h.token}` },
        payload: { state: 'identified', body: 'A payment provider is slow; we are switching.' },
      });
      expect(update.statusCode).toBe(201);
      const mail = await until('the update mail', () => to().find((m) => m.raw.includes('A payment provider is slow')));
      expect(mail.raw).toContain('Subject: [Identified] Slow checkout');
      expect(mail.raw).toContain(`https://status.example.org/status/unsubscribe?token=${token}`);
      expect(mail.raw).not.toContain(HIDDEN_TITLE);
      expect(to().filter((m) => m.raw.includes('Checkout is slow.'))).toHaveLength(0);

      const gone = await h.app.app.inject({ method: 'POST', url: '/status/unsubscribe', ...form({ token: token! }) });
      expect(gone.statusCode).toBe(200);
      const before = to().length;
      await h.app.app.inject({
        method: 'POST', url: `/api/incidents/${first.incident.id}/status-page/updates`, headers: { authorization: `Bearer ${h.token}` },
        payload: { state: 'resolved', body: 'Checkout is back to normal.' },
      });
      // The outbox holds no message for the address: nothing can arrive later either.
      const pending = await h.app.daemon.store.db.selectFrom('outbox').select('payload').where('event', '=', 'status.update').execute();
      expect(pending.filter((r) => r.payload.includes('Checkout is back to normal.'))).toHaveLength(0);
      expect(to()).toHaveLength(before);

      const feed = await h.app.app.inject({ url: '/status/feed.atom' });
      expect(feed.statusCode).toBe(200);
      expect(feed.headers['content-type']).toMatch(/^application\/atom\+xml/);
      expect(feed.body.match(/<entry>/g)).toHaveLength(3);
      expect(feed.body).toContain('<title>[Resolved] Slow checkout</title>');
      expect(feed.body).not.toContain(HIDDEN_TITLE);
    } finally {
      await h.app.close();
    }
  });
});
