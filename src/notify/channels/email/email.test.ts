import { afterEach, describe, expect, it } from 'vitest';
import type { SMTPServerOptions } from 'smtp-server';
import { startSmtpPeer, unQuotedPrintable, type SmtpPeer } from '../../../../test/support/smtp-peer.js';
import { SystemClock } from '../../../lib/clock.js';
import type { OutboundMessage } from '../../types.js';
import { channel } from '../../test-support.js';
import { emailChannel } from './index.js';

let peer: SmtpPeer | undefined;
afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

async function smtpPeer(options: Partial<SMTPServerOptions> = {}): Promise<SmtpPeer> {
  peer = await startSmtpPeer(options);
  return peer;
}

const incidentUrl = 'https://ops.example.com/incidents/inc_42';
const message: OutboundMessage = {
  id: 'msg_mail1',
  createdAt: Date.UTC(2026, 0, 1),
  attempt: 1,
  notification: {
    channelId: 'ops-mail',
    event: 'incident.triggered',
    incident: { id: 'inc_42', title: 'Backups older than 26h <db>', severity: 'sev2', status: 'triggered', url: incidentUrl, service: 'db' },
  },
  links: { acknowledge: 'https://ops.example.com/a/ack.tok', resolve: 'https://ops.example.com/a/res.tok' },
};
const ctx = { clock: new SystemClock(), signal: new AbortController().signal };

const unQp = unQuotedPrintable;

describe('email channel', () => {
  it('delivers text and HTML with the incident link to a real SMTP peer', async () => {
    const peer = await smtpPeer();
    const ch = channel({ id: 'ops-mail', kind: 'email', smtp: { host: '127.0.0.1', port: peer.port }, from: 'opsbook <ops@example.com>', to: ['oncall@example.com'] });
    const outcome = await emailChannel.send(message, ch, ctx);
    expect(outcome).toMatchObject({ ok: true, detail: expect.stringMatching(/^250/) });

    expect(peer.mails).toHaveLength(1);
    const mail = peer.mails[0]!;
    expect(mail.from).toBe('ops@example.com');
    expect(mail.to).toEqual(['oncall@example.com']);
    const raw = unQp(mail.raw);
    expect(raw).toMatch(/^Subject: \[SEV2\] Triggered: Backups older than 26h <db>/m);
    expect(raw).toMatch(/^Message-ID: <msg_mail1@opsbook>/m);
    expect(raw).toContain('Content-Type: text/plain');
    expect(raw).toContain('Content-Type: text/html');
    expect(raw).toContain(`Open the incident: ${incidentUrl}`);
    expect(raw).toContain(`<a href="${incidentUrl}">Open the incident</a>`);
    expect(raw).toContain('Acknowledge: https://ops.example.com/a/ack.tok');
    expect(raw).toContain('<a href="https://ops.example.com/a/res.tok">Resolve</a>');
    expect(raw).toContain('Backups older than 26h &lt;db&gt;');
    // Most pages are read on a phone: the HTML part is laid out at the screen's width.
    expect(raw).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  });

  it('sends to the paged person’s address when the notification names one', async () => {
    const peer = await smtpPeer();
    const ch = channel({ id: 'ops-mail', kind: 'email', smtp: { host: '127.0.0.1', port: peer.port }, from: 'ops@example.com', to: ['team@example.com'] });
    await emailChannel.send({ ...message, notification: { ...message.notification, recipient: { user: 'ana', address: 'ana@example.com' } } }, ch, ctx);
    expect(peer.mails[0]!.to).toEqual(['ana@example.com']);
  });

  it('retries SMTP 4xx and gives up on 5xx', async () => {
    let code = 451;
    const peer = await smtpPeer({
      onRcptTo(_addr, _session, callback) {
        const err = Object.assign(new Error(code === 451 ? 'mailbox busy, try later' : 'no such user'), { responseCode: code });
        callback(err);
      },
    });
    const ch = channel({ id: 'ops-mail', kind: 'email', smtp: { host: '127.0.0.1', port: peer.port }, from: 'ops@example.com', to: ['x@example.com'] });
    expect(await emailChannel.send(message, ch, ctx)).toMatchObject({ ok: false, retryable: true, status: 451 });
    code = 550;
    expect(await emailChannel.send(message, ch, ctx)).toMatchObject({ ok: false, retryable: false, status: 550 });
    expect(peer.mails).toHaveLength(0);
  });

  it('retries when the SMTP server cannot be reached', async () => {
    const peer = await smtpPeer();
    await peer.close();
    const ch = channel({ id: 'ops-mail', kind: 'email', smtp: { host: '127.0.0.1', port: peer.port }, from: 'ops@example.com', to: ['x@example.com'], timeout: '2s' });
    expect(await emailChannel.send(message, ch, ctx)).toMatchObject({ ok: false, retryable: true });
  });
});
