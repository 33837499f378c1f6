/**
 * Shift-change reminders on a real daemon and store, on a simulated clock: an hour before a shift
 * begins, the person actually on call then (overrides and swaps applied) is reminded through their
 * low-urgency rule, at a real SMTP peer or a loopback webhook receiver; a restart sends nothing
 * twice, and two processes sharing one PostgreSQL send each reminder once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { startReceiver, testSecret, type Receiver } from '../../src/notify/test-support.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { startSmtpPeer, unQuotedPrintable, type SmtpPeer } from '../support/smtp-peer.js';
import { scaled } from '../support/timing.js';

let server: DaemonApp;
let smtp: SmtpPeer;
let hooks: Receiver;
let tokens: Record<string, string>;
const clock = new SimulatedClock(Date.parse('2026-03-26T05:40:00Z'));

beforeAll(async () => {
  smtp = await startSmtpPeer();
  hooks = await startReceiver(() => ({ status: 204 }));
  server = await startDaemonApp(
    'reminders',
    {
      'ops.yaml': `server:
  public_url: http://opsbook.test
channels:
  - { id: mail, kind: email, smtp: { host: 127.0.0.1, port: ${smtp.port} }, from: "opsbook <opsbook@example.org>" }
  - { id: hook, kind: webhook, url: "${hooks.url}", secrets: ["${testSecret(7)}"] }
users:
  - name: ann
    role: responder
    email: ann@example.org
    contact: [{ kind: webhook, address: "${hooks.url}" }]
    notification_rules:
      high: [{ via: [webhook] }]
      low: [{ via: [email] }]
  - { name: bob, role: responder, contact: [{ kind: webhook, address: "${hooks.url}" }] }
  - { name: cat, role: responder, email: cat@example.org, time_zone: America/New_York }
  - { name: root, role: admin }
schedules:
  - id: primary
    name: Primary
    time_zone: Europe/Berlin
    shift_reminder: 10m
    layers:
      - users: [ann, bob]
        rotation: { length: 1h, handoff: "00:00", start: 2026-03-26 }
`,
    },
    { clock },
  );
  tokens = await apiTokens(server.daemon, 'root', ['root']);
});
afterAll(async () => {
  await server?.close();
  await smtp?.close();
  await hooks?.close();
});

/** Moves the simulated clock to `iso` and waits for the reminders' look it caused. */
async function at(iso: string): Promise<void> {
  await clock.advanceTo(Date.parse(iso), () => server.daemon.shiftReminders!.idle());
  await server.daemon.shiftReminders!.idle();
}

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + scaled(30_000);
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Reminder {
  type: string;
  data: { recipient: { user: string }; shift: { schedule: string; user: string; start: string; end?: string }; message: { subject: string; text: string } };
}
const reminders = (): Reminder[] => hooks.requests.map((r) => JSON.parse(r.body) as Reminder).filter((b) => b.type === 'oncall.shift_reminder');
const mailsTo = (address: string) => smtp.mails.filter((m) => m.to.includes(address)).map((m) => unQuotedPrintable(m.raw));
const reminderRows = async () =>
  (await server.daemon.store.db.selectFrom('outbox').select(['channel_id', 'payload']).where('event', '=', 'oncall.shift_reminder').execute()).map((r) => ({ channel: r.channel_id, ...(JSON.parse(r.payload) as { recipient: { user: string } }) }));
const post = (url: string, payload: object) => server.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${tokens.root}` }, payload });

// Hourly Berlin handoffs (UTC+1): ann from 05:00 UTC, bob 06:00, ann 07:00, bob 08:00, ann 09:00, bob 10:00.
describe('shift reminders', () => {
  it('reminds the person coming on call shift_reminder before, once, across a restart', async () => {
    await at('2026-03-26T05:49:00Z');
    expect(await reminderRows()).toEqual([]);
    await at('2026-03-26T05:50:00Z');
    await until('bob’s reminder', () => reminders()[0]);
    expect(reminders()).toHaveLength(1);
    expect(reminders()[0]!.data).toMatchObject({
      recipient: { user: 'bob' },
      shift: { schedule: 'primary', user: 'bob', start: '2026-03-26T06:00:00.000Z', end: '2026-03-26T07:00:00.000Z' },
      message: { subject: 'On call in 10m: Primary', text: 'bob, your on-call shift in Primary begins at 2026-03-26 07:00+01:00 and ends at 2026-03-26 08:00+01:00 (Europe/Berlin).' },
    });

    await server.restart();
    await at('2026-03-26T05:55:00Z');
    expect(await reminderRows()).toHaveLength(1);
    expect(reminders()).toHaveLength(1);
  });

  it('reminds whoever an override puts on call, not the person it covers', async () => {
    const res = await post('/api/oncall/overrides', { schedule: 'primary', user: 'cat', covers: 'ann', start: '2026-03-26T08:00', end: '2026-03-26T09:00', reason: 'ann at the dentist' });
    expect(res.statusCode, res.body).toBe(201);
    await at('2026-03-26T06:50:00Z');
    const mail = await until('cat’s reminder mail', () => mailsTo('cat@example.org')[0]);
    expect(mail).toContain('Subject: On call in 10m: Primary');
    // In cat's own time zone.
    expect(mail).toContain('cat, your on-call shift in Primary begins at 2026-03-26 03:00-04:00 and ends at 2026-03-26 04:00-04:00 (America/New_York).');
    expect((await reminderRows()).map((r) => r.recipient.user)).toEqual(['bob', 'cat']);
  });

  it('follows a swap, through the low-urgency rule only; two shifts in a row are one reminder', async () => {
    const res = await post('/api/oncall/swaps', {
      schedule: 'primary', user: 'ann', with: 'bob', start: '2026-03-26T09:00', end: '2026-03-26T10:00', return: { start: '2026-03-26T10:00', end: '2026-03-26T11:00' }, reason: 'swap',
    });
    expect(res.statusCode, res.body).toBe(201);
    await at('2026-03-26T07:50:00Z');
    const mail = await until('ann’s reminder mail', () => mailsTo('ann@example.org')[0]);
    expect(mail).toContain('ann, your on-call shift in Primary begins at 2026-03-26 09:00+01:00 and ends at 2026-03-26 10:00+01:00 (Europe/Berlin).');
    // ann's high-urgency rule pages by webhook; the reminder uses her low-urgency one (email) only.
    expect((await reminderRows()).filter((r) => r.recipient.user === 'ann').map((r) => r.channel)).toEqual(['mail']);

    await at('2026-03-26T08:50:00Z');
    await until('bob’s second reminder', () => reminders()[1]);
    // bob's swapped shift runs into his own: one stretch, one reminder.
    expect(reminders()[1]!.data.shift).toMatchObject({ user: 'bob', start: '2026-03-26T09:00:00.000Z', end: '2026-03-26T11:00:00.000Z' });
    await at('2026-03-26T09:50:00Z');
    expect((await reminderRows()).map((r) => r.recipient.user)).toEqual(['bob', 'cat', 'ann', 'bob']);
  });
});
