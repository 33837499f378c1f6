/** smtp kind against real `smtp-server` peers with a self-signed certificate made by openssl. */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configLoader } from '../../../../test/support/config.js';
import { freePort } from '../../../../test/support/net.js';
import { startStallServer, type StallServer } from '../../../../test/support/stall.js';
import { makeCertificate, runConfig, type TestCertificate } from '../../testing/index.js';
import { scaled } from '../../../../test/support/timing.js';

const load = configLoader('opsbook-smtp');

/** Waits (generously) until the stalling peer has seen every client connection closed. */
async function closedByClient(stall: StallServer): Promise<number> {
  for (const end = Date.now() + scaled(10_000); stall.open() > 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
  return stall.open();
}

async function startSmtp(options: SMTPServerOptions): Promise<{ port: number; close: () => Promise<void> }> {
  const server = new SMTPServer({ disabledCommands: ['AUTH'], logger: false, name: 'mx.example.test', ...options });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('smtp kind', () => {
  let cert: TestCertificate;
  let starttls: Awaited<ReturnType<typeof startSmtp>>;
  let implicit: Awaited<ReturnType<typeof startSmtp>>;
  let plain: Awaited<ReturnType<typeof startSmtp>>;
  let stall: StallServer;
  beforeAll(async () => {
    cert = makeCertificate(30);
    const keys = { key: fs.readFileSync(cert.key), cert: fs.readFileSync(cert.cert) };
    starttls = await startSmtp({ ...keys, size: 10_240_000 });
    implicit = await startSmtp({ ...keys, secure: true });
    plain = await startSmtp({ disabledCommands: ['AUTH', 'STARTTLS'] });
    stall = await startStallServer();
  });
  afterAll(async () => {
    await Promise.all([starttls.close(), implicit.close(), plain.close(), stall.close()]);
    cert.cleanup();
  });

  it('reads the banner, says EHLO, upgrades with STARTTLS and measures the certificate', async () => {
    const r = await runConfig({
      kind: 'smtp',
      host: '127.0.0.1',
      port: starttls.port,
      conditions: ['[CODE] == 220', '[TLS] == true', '[DAYS_TO_EXPIRY] >= 29', '[EXTENSIONS].SIZE == 10240000', '[BANNER] == pat(*mx.example.test*)'],
    });
    expect(r.conditions.filter((c) => !c.ok)).toEqual([]);
    expect(r).toMatchObject({ status: 'up', level: 'ok' });
    expect(r.value).toBeGreaterThanOrEqual(29);
  });

  it('speaks TLS from the first byte with tls: implicit', async () => {
    const r = await runConfig({ kind: 'smtp', host: 'localhost', port: implicit.port, tls: 'implicit', conditions: ['[TLS] == true', '[HOSTNAME_MATCH] == true', '[CHAIN_VALID] == false'] });
    expect(r.conditions.filter((c) => !c.ok)).toEqual([]);
    expect(r.status).toBe('up');
  });

  it('is down by default when the server offers no STARTTLS, and up with tls: none', async () => {
    const r = await runConfig({ kind: 'smtp', host: '127.0.0.1', port: plain.port });
    expect(r.status).toBe('down');
    expect(r.conditions.find((c) => c.text === '[TLS] == true')).toMatchObject({ ok: false, actual: 'false' });
    expect((await runConfig({ kind: 'smtp', host: '127.0.0.1', port: plain.port, tls: 'none' })).status).toBe('up');
  });

  it('raises the level on a certificate condition, with the days it saw', async () => {
    const r = await runConfig({ kind: 'smtp', host: '127.0.0.1', port: starttls.port, warning: '[DAYS_TO_EXPIRY] < 45', critical: '[DAYS_TO_EXPIRY] < 7' });
    expect(r).toMatchObject({ status: 'up', level: 'warning' });
    expect(r.conditions.find((c) => c.list === 'warning')).toMatchObject({ ok: true, actual: expect.stringMatching(/^(29|30)$/) });
  });

  it('is down on a wrong answer, with the value it saw', async () => {
    const r = await runConfig({ kind: 'smtp', host: '127.0.0.1', port: starttls.port, conditions: ['[EXTENSIONS].SIZE >= 52428800'] });
    expect(r.status).toBe('down');
    expect(r.conditions[0]).toMatchObject({ ok: false, actual: '10240000' });
  });

  it('is down when nothing listens', async () => {
    const r = await runConfig({ kind: 'smtp', host: '127.0.0.1', port: await freePort() });
    expect(r.status).toBe('down');
    expect(r.error).toMatch(/ECONNREFUSED/);
    expect(r.conditions[0]).toMatchObject({ text: '[CODE] == 220', ok: false });
  });

  it('times out on a server that accepts and never sends its banner, or never finishes the TLS handshake', async () => {
    const r = await runConfig({ kind: 'smtp', host: '127.0.0.1', port: stall.port, timeout: '300ms' });
    expect(r).toMatchObject({ status: 'down', error: 'timeout after 300ms' });
    const tls = await runConfig({ kind: 'smtp', host: '127.0.0.1', port: stall.port, tls: 'implicit', timeout: '300ms' });
    expect(tls).toMatchObject({ status: 'down', error: 'timeout after 300ms' });
    expect(await closedByClient(stall)).toBe(0);
  });

  it('rejects bad options with their place in the file', async () => {
    const r = await load('ops.yaml', `checks:
  - id: mail
    kind: smtp
    host: mail.example.com
    port: 70000
    tls: maybe
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const seen = r.issues.map((i) => [i.path, i.line]);
    expect(seen).toContainEqual(['checks[0].port', 5]);
    expect(seen).toContainEqual(['checks[0].tls', 6]);
  });
});
