/**
 * nats kind against the machine's real NATS with JetStream, a private nats-server with a password
 * (started and stopped here), and a loopback proxy that closes or stalls.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { AckPolicy, StorageType, connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NATS_URL, natsUp } from '../../../../test/support/brokers.js';
import { configLoader } from '../../../../test/support/config.js';
import { freePort } from '../../../../test/support/net.js';
import { startTcpProxy, type TcpProxy } from '../../../../test/support/tcp-proxy.js';
import { runConfig, verdicts } from '../../testing/index.js';
import { scaled } from '../../../../test/support/timing.js';

const available = await natsUp();
const NATS_SERVER = '/usr/sbin/nats-server';
const load = configLoader('opsbook-nats-kind');

describe.skipIf(!available)('nats kind against NATS with JetStream', () => {
  const stream = `OPSBOOK_TEST_${randomBytes(4).toString('hex')}`;
  let nc: NatsConnection;
  let proxy: TcpProxy;
  const target = new URL(NATS_URL);

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`opsbook.test.${stream}.>`], storage: StorageType.Memory });
    await jsm.consumers.add(stream, { durable_name: 'projections', ack_policy: AckPolicy.Explicit });
    const js = nc.jetstream();
    for (let i = 0; i < 5; i++) await js.publish(`opsbook.test.${stream}.orders`, new TextEncoder().encode(`order ${i}`));
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 4222) });
  });
  afterAll(async () => {
    await proxy.close();
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(stream);
    await nc.close();
  });

  it('is up when it connects, and reports JetStream and a round trip', async () => {
    const r = await runConfig({ kind: 'nats', url: NATS_URL, conditions: ['[CONNECTED] == true', '[JETSTREAM] == true', '[RTT] >= 0', '[VERSION] == pat(2.*)'] });
    expect(r.conditions.filter((c) => !c.ok)).toEqual([]);
    expect(r.status).toBe('up');
  });

  it('reads stream state and consumer pending counts, with levels on the pending sum', async () => {
    const key = `${stream}/projections`;
    const r = await runConfig({
      kind: 'nats',
      url: NATS_URL,
      streams: [stream],
      consumers: [{ stream, consumer: 'projections' }],
      conditions: [`[STREAM_MESSAGES:${stream}] == 5`, `[STREAM_CONSUMERS:${stream}] == 1`, `[PENDING:${key}] == 5`, `[ACK_PENDING:${key}] == 0`],
      warning: `[PENDING:${key}] > 3`,
      critical: '[LENGTH] > 1000',
    });
    expect(Object.values(verdicts(r))).toEqual([true, true, true, true, true, false]);
    expect(r).toMatchObject({ status: 'up', level: 'warning', value: 5 });
  });

  it('fails a condition on a backlog and shows the observed pending count', async () => {
    const r = await runConfig({ kind: 'nats', url: NATS_URL, consumers: [{ stream, consumer: 'projections' }], conditions: ['[LENGTH] < 1'] });
    expect(r.status).toBe('down');
    expect(r.conditions[0]).toMatchObject({ ok: false, actual: '5' });
  });

  it('is down naming a stream or consumer that does not exist', async () => {
    const noStream = await runConfig({ kind: 'nats', url: NATS_URL, streams: [`${stream}_ABSENT`] });
    expect(noStream.error).toMatch(new RegExp(`stream "${stream}_ABSENT": .*not found`, 'i'));
    const noConsumer = await runConfig({ kind: 'nats', url: NATS_URL, consumers: [{ stream, consumer: 'absent' }] });
    expect(noConsumer.error).toMatch(new RegExp(`consumer "${stream}/absent": .*not found`, 'i'));
  });

  it('is down when the connection is closed after accept, and times out when it stalls', async () => {
    proxy.setMode('close');
    const closed = await runConfig({ kind: 'nats', url: `nats://${proxy.address}` });
    proxy.setMode('stall');
    const stalled = await runConfig({ kind: 'nats', url: `nats://${proxy.address}`, timeout: '300ms' });
    proxy.setMode('forward');
    expect(closed).toMatchObject({ status: 'down', conditions: [{ ok: false, actual: 'false' }] });
    expect(closed.error).toBeTruthy();
    expect(stalled).toMatchObject({ status: 'down' });
    expect(stalled.error).toMatch(/timeout/i);
    expect((await runConfig({ kind: 'nats', url: `nats://${proxy.address}` })).status).toBe('up');
  });
});

describe.skipIf(!fs.existsSync(NATS_SERVER))('nats kind against a private nats-server with a password', () => {
  let server: ChildProcess;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    server = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '--user', 'opsbook', '--pass', 's3cret'], { stdio: 'ignore' });
    for (const end = Date.now() + scaled(10_000); Date.now() < end; ) {
      const r = await runConfig({ kind: 'nats', url: `nats://127.0.0.1:${port}`, user: 'opsbook', password: 's3cret' });
      if (r.status === 'up') break;
      await new Promise((res) => setTimeout(res, 50));
    }
  });
  afterAll(() => void server.kill('SIGKILL'));

  it('is up with the right password and down, with the server’s words, with a wrong one', async () => {
    const ok = await runConfig({ kind: 'nats', url: `nats://127.0.0.1:${port}`, user: 'opsbook', password: 's3cret' });
    expect(ok.status).toBe('up');
    const bad = await runConfig({ kind: 'nats', url: `nats://127.0.0.1:${port}`, user: 'opsbook', password: 'wrong' });
    expect(bad.status).toBe('down');
    expect(bad.error).toMatch(/AUTHORIZATION_VIOLATION|authorization/i);
  });

  it('is down once the server is stopped', async () => {
    server.kill('SIGKILL');
    await new Promise((res) => server.once('exit', res));
    const r = await runConfig({ kind: 'nats', url: `nats://127.0.0.1:${port}`, user: 'opsbook', password: 's3cret' });
    expect(r).toMatchObject({ status: 'down', conditions: [{ ok: false, actual: 'false' }] });
    expect(r.error).toMatch(/CONNECTION_REFUSED|ECONNREFUSED/);
  });
});

describe('nats kind options', () => {
  it('rejects a bad stream name and a password without user, with their place', async () => {
    const r = await load('ops.yaml', `
checks:
  - id: bus
    kind: nats
    url: nats://127.0.0.1:4222
    consumers:
      - { stream: "ORDERS.v1", consumer: projections }
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]).toMatchObject({ path: 'checks[0].consumers[0].stream', line: 7 });
    expect(r.issues[0]!.message).toMatch(/JetStream name/);
    const r2 = await load('ops2.yaml', `
checks:
  - { id: bus, kind: nats, url: "nats://127.0.0.1:4222", password: x }
`);
    expect(r2.ok).toBe(false);
    if (r2.ok) return;
    expect(r2.issues[0]).toMatchObject({ path: 'checks[0]', line: 3, message: expect.stringMatching(/password needs user/) });
  });
});
