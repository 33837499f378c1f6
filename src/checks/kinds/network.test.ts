/** tcp, tls and dns kinds against loopback peers: a TCP listener, a TLS server, a UDP DNS responder. */
import dgram from 'node:dgram';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, runConfig, type TestCertificate } from '../testing/index.js';

describe('tcp kind', () => {
  it('is up when the port accepts and down when it refuses', async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    expect((await runConfig({ kind: 'tcp', host: '127.0.0.1', port })).status).toBe('up');
    await new Promise((r) => server.close(r));
    const closed = await runConfig({ kind: 'tcp', host: '127.0.0.1', port });
    expect(closed).toMatchObject({ status: 'down', conditions: [{ text: '[CONNECTED] == true', ok: false, actual: 'false' }] });
  });
});

describe('tls kind', () => {
  let cert: TestCertificate;
  let server: tls.Server;
  let port: number;
  beforeAll(async () => {
    cert = makeCertificate(10);
    server = tls.createServer({ key: fs.readFileSync(cert.key), cert: fs.readFileSync(cert.cert) }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    cert.cleanup();
  });

  it('reads days to expiry, hostname match and chain validity', async () => {
    const r = await runConfig({ kind: 'tls', host: '127.0.0.1', port, servername: 'localhost', ca_file: cert.cert, warning: '[DAYS_TO_EXPIRY] < 30', critical: '[DAYS_TO_EXPIRY] < 7' });
    expect(r).toMatchObject({ status: 'up', level: 'warning', value: 9 });
    const chain = await runConfig({ kind: 'tls', host: '127.0.0.1', port, servername: 'localhost', conditions: ['[CHAIN_VALID] == false', '[HOSTNAME_MATCH] == true'] });
    expect(chain.status).toBe('up');
  });

  it('trusts the CA file as it is at each run: a file replaced (a CA rotated) is read again', async () => {
    const other = makeCertificate(10);
    const caFile = `${other.cert}.ca`;
    try {
      const check = { kind: 'tls', host: '127.0.0.1', port, servername: 'localhost', ca_file: caFile, conditions: ['[CHAIN_VALID] == true'] };
      fs.copyFileSync(other.cert, caFile);
      expect((await runConfig(check)).status).toBe('down');
      // The server's own certificate in its place, a different size: the next run trusts it.
      fs.copyFileSync(cert.cert, caFile);
      expect((await runConfig(check)).status).toBe('up');
      expect((await runConfig(check)).status).toBe('up');
    } finally {
      fs.rmSync(caFile, { force: true });
      other.cleanup();
    }
  });

  it('fails when the certificate does not name the host', async () => {
    const r = await runConfig({ kind: 'tls', host: '127.0.0.1', port, servername: 'api.example.com' });
    expect(r.status).toBe('down');
    expect(r.conditions.find((c) => c.text === '[HOSTNAME_MATCH] == true')).toMatchObject({ ok: false, actual: 'false' });
  });
});

describe('dns kind against a loopback UDP responder', () => {
  let socket: dgram.Socket;
  let server: string;
  beforeAll(async () => {
    socket = dgram.createSocket('udp4');
    socket.on('message', (msg, rinfo) => {
      const q = dnsPacket.decode(msg);
      const question = q.questions?.[0];
      const known = question?.name === 'api.opsbook.test';
      const reply = dnsPacket.encode({
        type: 'response',
        id: q.id,
        flags: dnsPacket.RECURSION_DESIRED | (known ? 0 : 3), // rcode 3 = NXDOMAIN
        questions: q.questions,
        answers: known
          ? [{ type: 'A', name: question.name, ttl: 60, data: '10.0.0.7' }, { type: 'A', name: question.name, ttl: 60, data: '10.0.0.8' }]
          : [],
      });
      socket.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    server = `127.0.0.1:${socket.address().port}`;
  });
  afterAll(() => socket.close());

  it('reads answers and rcode', async () => {
    const r = await runConfig({ kind: 'dns', name: 'api.opsbook.test', server, conditions: ['[DNS_RCODE] == NOERROR', '[BODY] == any(10.0.0.7, 10.0.0.9)', 'len([ANSWERS]) == 2'] });
    expect(r.status).toBe('up');
    expect(r.conditions.map((c) => c.actual)).toEqual(['NOERROR', '10.0.0.7', '2']);
  });

  it('reports NXDOMAIN as an rcode, not an error', async () => {
    const r = await runConfig({ kind: 'dns', name: 'missing.opsbook.test', server });
    expect(r.status).toBe('down');
    expect(r.error).toBeUndefined();
    expect(r.conditions[0]).toMatchObject({ text: '[DNS_RCODE] == NOERROR', actual: 'NXDOMAIN' });
  });
});
