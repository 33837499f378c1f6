import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSmtpPeer, type SmtpPeer } from '../../../test/support/smtp-peer.js';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../lib/clock.js';
import { enqueueNotification } from '../../notify/index.js';
import { startReceiver, testSecret, type Receiver } from '../../notify/test-support.js';
import { claimDueOutbox, getOutbox, openStore, recordOutboxAttempt } from '../../store/index.js';
import { runCli } from '../../../test/support/cli.js';

let dir: string;
let receiver: Receiver;
let smtp: SmtpPeer;
const secret = testSecret(11);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-cli-notify-'));
  receiver = await startReceiver((r) => (r.headers['x-fail'] ? { status: 404, body: 'gone' } : { status: 204 }));
  smtp = await startSmtpPeer();
  const smtpPort = smtp.port;
  fs.writeFileSync(
    path.join(dir, 'ops.yaml'),
    [
      'server:',
      '  public_url: https://ops.example.com',
      'channels:',
      '  - { id: hook, kind: webhook, url: "' + receiver.url + '", secrets: ["${HOOK_SECRET}"] }',
      '  - { id: broken, kind: webhook, url: "' + receiver.url + '", secrets: ["${HOOK_SECRET}"], headers: { x-fail: "1" } }',
      `  - { id: mail, kind: email, smtp: { host: 127.0.0.1, port: ${smtpPort} }, from: ops@example.com, to: [oncall@example.com] }`,
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await receiver.close();
  await smtp.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli([...args, '--config', path.join(dir, 'ops.yaml')], { env: { HOOK_SECRET: secret } });

describe('opsbook notify', () => {
  it('test CHANNEL sends a signed webhook and prints the signature it sent', async () => {
    const r = await cli(['notify', 'test', 'hook']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✔ hook \(webhook\) accepted test message msg_\w+ \(HTTP 204\)/);
    const req = receiver.requests.at(-1)!;
    expect(r.stdout).toContain(`webhook-signature: ${String(req.headers['webhook-signature'])}`);
    const body = new Webhook(secret).verify(req.body, req.headers as Record<string, string>) as { type: string; data: { incident: { url: string } } };
    expect(body.type).toBe('test');
    expect(body.data.incident.url).toBe('https://ops.example.com');
  });

  it('test CHANNEL prints the SMTP response for email, and exits 1 on a refusal', async () => {
    const mail = await cli(['notify', 'test', 'mail']);
    expect(mail.code).toBe(0);
    expect(mail.stdout).toMatch(/SMTP response: 250 /);
    expect(smtp.mails.at(-1)?.raw).toContain('https://ops.example.com');

    const broken = await cli(['notify', 'test', 'broken']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('✖ broken (webhook) refused test message');
    expect(broken.stdout).toContain('HTTP 404: gone');
    expect(broken.stdout).toContain('dead-letter this at once');

    const unknown = await cli(['notify', 'test', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no channel nope');
    expect(unknown.stderr).toContain('[OPSBOOK_E_CHANNEL_UNKNOWN]');
  });

  it('lists dead letters, re-drives one, and shows the incident’s delivery log', async () => {
    const store = await openStore({ url: path.join(dir, '.opsbook/opsbook.db') });
    await store.migrate();
    const clock = new SimulatedClock(Date.UTC(2026, 4, 1));
    const incident = { id: 'inc_cli', title: 'x', severity: 'sev3', status: 'triggered', url: 'https://ops.example.com/incidents/inc_cli' };
    const { id } = await enqueueNotification(store, clock, { channelId: 'hook', event: 'incident.triggered', incident });
    const [row] = await claimDueOutbox(store.db, store.dialect, { now: clock.now(), owner: 'w', leaseMs: 1000, limit: 1 });
    await recordOutboxAttempt(store.db, { row: row!, owner: 'w', result: { state: 'dead', at: clock.now() }, delivery: { id: 'dlv_1', statusCode: 410, error: 'HTTP 410: gone', detail: null, durationMs: 4 } });
    await store.close();

    const dead = await cli(['notify', 'dead']);
    expect(dead.code).toBe(0);
    expect(dead.stdout).toContain(`${id}\thook\tincident.triggered\tinc_cli\t1\t2026-05-01T00:00:00.000Z\tHTTP 410: gone`);
    const log = await cli(['notify', 'log', 'inc_cli']);
    expect(log.stdout).toContain(`${id}\thook\t1\tdead\t410\t4\tHTTP 410: gone`);
    // A mistyped id is no incident, not an incident nobody was paged for.
    const typo = await cli(['notify', 'log', 'inc_clj']);
    expect(typo.code).toBe(1);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toContain('no incident with id inc_clj');
    expect(typo.stderr).toContain('[OPSBOOK_E_INCIDENT_UNKNOWN]');

    expect((await cli(['notify', 'redrive', id])).stdout).toContain(`re-driven ${id}`);
    const again = await cli(['notify', 'redrive', id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[OPSBOOK_E_OUTBOX_NOT_DEAD]');
    const reopened = await openStore({ url: path.join(dir, '.opsbook/opsbook.db') });
    expect((await getOutbox(reopened.db, id))!.status).toBe('pending');
    await reopened.close();
  });

  it('secret prints a key the webhook schema accepts', async () => {
    const r = await runCli(['notify', 'secret']);
    expect(r.stdout.trim()).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  });
});
