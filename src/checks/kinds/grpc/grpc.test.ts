/** grpc kind against a real @grpc/grpc-js server with the standard health service (grpc-health-check). */
import fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configLoader } from '../../../../test/support/config.js';
import { freePort } from '../../../../test/support/net.js';
import { startStallServer, type StallServer } from '../../../../test/support/stall.js';
import { makeCertificate, runConfig, type TestCertificate } from '../../testing/index.js';
import { decodeHealthResponse, encodeHealthRequest } from './health-messages.js';
import { scaled } from '../../../../test/support/timing.js';

const load = configLoader('opsbook-grpc');

/** Waits (generously) until the stalling peer has seen every client connection closed. */
async function closedByClient(stall: StallServer): Promise<number> {
  for (const end = Date.now() + scaled(10_000); stall.open() > 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
  return stall.open();
}

async function startServer(credentials: grpc.ServerCredentials, setup: (s: grpc.Server) => void, options: grpc.ServerOptions = {}): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server(options);
  setup(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, server };
}

/** Refuses calls without `authorization: Bearer good`, as an auth interceptor in front of a service does. */
const requireToken: grpc.ServerInterceptor = (_method, call) =>
  new grpc.ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveMetadata: (metadata, mdNext) => {
          if (metadata.get('authorization')[0] === 'Bearer good') mdNext(metadata);
          else call.sendStatus({ code: grpc.status.UNAUTHENTICATED, details: 'missing or bad token' });
        },
      }),
  });

const stop = (s: grpc.Server): Promise<void> => new Promise((r) => s.tryShutdown(() => r()));

describe('grpc kind', () => {
  let health: HealthImplementation;
  let plain: { port: number; server: grpc.Server };
  let secure: { port: number; server: grpc.Server };
  let bare: { port: number; server: grpc.Server };
  let guarded: { port: number; server: grpc.Server };
  let cert: TestCertificate;
  let stall: StallServer;
  beforeAll(async () => {
    health = new HealthImplementation({ '': 'SERVING', 'payments.v1.Ledger': 'SERVING', 'search.v1.Index': 'NOT_SERVING' });
    plain = await startServer(grpc.ServerCredentials.createInsecure(), (s) => health.addToServer(s));
    cert = makeCertificate(30);
    secure = await startServer(
      grpc.ServerCredentials.createSsl(null, [{ private_key: fs.readFileSync(cert.key), cert_chain: fs.readFileSync(cert.cert) }]),
      (s) => health.addToServer(s),
    );
    // A gRPC server without the health service.
    bare = await startServer(grpc.ServerCredentials.createInsecure(), () => undefined);
    guarded = await startServer(grpc.ServerCredentials.createInsecure(), (s) => health.addToServer(s), { interceptors: [requireToken] });
    stall = await startStallServer();
  });
  afterAll(async () => {
    await Promise.all([stop(plain.server), stop(secure.server), stop(bare.server), stop(guarded.server), stall.close()]);
    cert.cleanup();
  });

  it('is up when the server answers SERVING', async () => {
    const r = await runConfig({ kind: 'grpc', target: `127.0.0.1:${plain.port}` });
    expect(r).toMatchObject({ status: 'up', conditions: [{ text: '[STATUS] == SERVING', ok: true, actual: 'SERVING' }] });
  });

  it('asks about one service, and NOT_SERVING fails with the status seen', async () => {
    expect((await runConfig({ kind: 'grpc', target: `127.0.0.1:${plain.port}`, grpc_service: 'payments.v1.Ledger' })).status).toBe('up');
    const r = await runConfig({ kind: 'grpc', target: `127.0.0.1:${plain.port}`, grpc_service: 'search.v1.Index' });
    expect(r).toMatchObject({ status: 'down', conditions: [{ ok: false, actual: 'NOT_SERVING' }] });
    health.setStatus('search.v1.Index', 'SERVING');
    expect((await runConfig({ kind: 'grpc', target: `127.0.0.1:${plain.port}`, grpc_service: 'search.v1.Index' })).status).toBe('up');
  });

  it('reports an unknown service as SERVICE_UNKNOWN', async () => {
    const r = await runConfig({ kind: 'grpc', target: `127.0.0.1:${plain.port}`, grpc_service: 'nope.v1.Gone', conditions: ['[STATUS] == SERVING', '[CODE] == 0'] });
    expect(r.status).toBe('down');
    expect(r.conditions.map((c) => c.actual)).toEqual(['SERVICE_UNKNOWN', '5']);
  });

  it('speaks TLS with a CA file and the certificate’s name', async () => {
    const r = await runConfig({ kind: 'grpc', target: `localhost:${secure.port}`, tls: true, ca_file: cert.cert });
    expect(r.status).toBe('up');
    const untrusted = await runConfig({ kind: 'grpc', target: `localhost:${secure.port}`, tls: true });
    expect(untrusted.status).toBe('down');
  });

  it('sends metadata for servers that want a token, and a wrong one is down with the server’s answer', async () => {
    const target = `127.0.0.1:${guarded.port}`;
    expect((await runConfig({ kind: 'grpc', target, metadata: { authorization: 'Bearer good' } })).status).toBe('up');
    const r = await runConfig({ kind: 'grpc', target, metadata: { authorization: 'Bearer stale' } });
    expect(r.status).toBe('down');
    expect(r.error).toContain('UNAUTHENTICATED: missing or bad token');
  });

  it('says so when the server has no health service', async () => {
    const r = await runConfig({ kind: 'grpc', target: `127.0.0.1:${bare.port}` });
    expect(r.status).toBe('down');
    expect(r.error).toContain('no grpc.health.v1 Health service');
  });

  it('is down when nothing listens', async () => {
    const r = await runConfig({ kind: 'grpc', target: `127.0.0.1:${await freePort()}`, conditions: ['[CONNECTED] == true'] });
    expect(r).toMatchObject({ status: 'down', conditions: [{ ok: false, actual: 'false' }] });
    expect(r.error).toMatch(/UNAVAILABLE/);
  });

  it('times out on a peer that accepts and never speaks HTTP/2', async () => {
    const r = await runConfig({ kind: 'grpc', target: `127.0.0.1:${stall.port}`, timeout: '300ms' });
    expect(r).toMatchObject({ status: 'down', error: 'timeout after 300ms' });
    expect(await closedByClient(stall)).toBe(0);
  });

  it('rejects bad options with their place in the file', async () => {
    const r = await load('ops.yaml', `checks:
  - id: ledger
    kind: grpc
    target: "grpc://ledger:50051"
    metadata: { Authorization: "Bearer x" }
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const seen = r.issues.map((i) => [i.path, i.line]);
    expect(seen).toContainEqual(['checks[0].target', 4]);
    expect(seen.some(([p, line]) => String(p).startsWith('checks[0].metadata') && line === 5)).toBe(true);
  });
});

describe('grpc.health.v1 messages', () => {
  it('encodes a request and decodes every status', () => {
    expect(encodeHealthRequest('')).toEqual(Buffer.alloc(0));
    expect([...encodeHealthRequest('a.B')]).toEqual([0x0a, 3, 0x61, 0x2e, 0x42]);
    expect(decodeHealthResponse(Buffer.from([0x08, 2]))).toBe('NOT_SERVING');
    expect(decodeHealthResponse(Buffer.alloc(0))).toBe('UNKNOWN');
  });
});
