/** rabbitmq kind against the machine's real RabbitMQ; outages through a loopback proxy in front of it. */
import amqp from 'amqplib';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMQP_URL, rabbitmqUp } from '../../../../test/support/brokers.js';
import { configLoader } from '../../../../test/support/config.js';
import { startTcpProxy, type TcpProxy } from '../../../../test/support/tcp-proxy.js';
import { runConfig, verdicts } from '../../testing/index.js';
import { scaled } from '../../../../test/support/timing.js';

const available = await rabbitmqUp();
const load = configLoader('opsbook-rabbitmq-kind');

describe.skipIf(!available)('rabbitmq kind against RabbitMQ', () => {
  const tag = randomBytes(4).toString('hex');
  const backlog = `opsbook-test.${tag}.emails`;
  const served = `opsbook-test.${tag}.projections`;
  let conn: amqp.ChannelModel;
  let proxy: TcpProxy;
  const target = new URL(AMQP_URL);
  const viaProxy = (): string => `amqp://guest:guest@${proxy.address}`;

  beforeAll(async () => {
    conn = await amqp.connect(AMQP_URL);
    const ch = await conn.createChannel();
    await ch.assertQueue(backlog, { durable: false });
    await ch.assertQueue(served, { durable: false });
    for (let i = 0; i < 3; i++) ch.sendToQueue(backlog, Buffer.from(`job ${i}`));
    await ch.consume(served, () => {});
    // Publishes are asynchronous: wait until the broker counts them.
    for (const end = Date.now() + scaled(5_000); (await ch.checkQueue(backlog)).messageCount < 3 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5672) });
  });
  afterAll(async () => {
    await proxy.close();
    const ch = await conn.createChannel();
    await ch.deleteQueue(backlog);
    await ch.deleteQueue(served);
    await conn.close();
  });

  it('is up when the AMQP handshake succeeds', async () => {
    const r = await runConfig({ kind: 'rabbitmq', url: AMQP_URL, conditions: ['[CONNECTED] == true', '[VERSION] == pat(*.*)'] });
    expect(r).toMatchObject({ status: 'up', level: 'ok' });
  });

  it('reads depth and consumers of named queues, with levels on the summed depth', async () => {
    const r = await runConfig({
      kind: 'rabbitmq',
      url: AMQP_URL,
      queues: [backlog, served],
      conditions: [`[MESSAGES:${backlog}] == 3`, `[CONSUMERS:${served}] == 1`, `[MESSAGES:${served}] == 0`],
      warning: '[LENGTH] > 2',
      critical: '[LENGTH] > 100',
    });
    expect(verdicts(r)).toEqual({ [`[MESSAGES:${backlog}] == 3`]: true, [`[CONSUMERS:${served}] == 1`]: true, [`[MESSAGES:${served}] == 0`]: true, '[LENGTH] > 2': true, '[LENGTH] > 100': false });
    expect(r).toMatchObject({ status: 'up', level: 'warning', value: 3 });
  });

  it('fails on a queue nobody consumes, showing the consumer count', async () => {
    const r = await runConfig({ kind: 'rabbitmq', url: AMQP_URL, queues: [backlog], conditions: [`[CONSUMERS:${backlog}] >= 1`] });
    expect(r.status).toBe('down');
    expect(r.conditions[0]).toMatchObject({ ok: false, actual: '0' });
  });

  it('is down naming a queue that does not exist', async () => {
    const r = await runConfig({ kind: 'rabbitmq', url: AMQP_URL, queues: [backlog, `opsbook-test.${tag}.absent`] });
    expect(r.status).toBe('down');
    expect(r.error).toMatch(new RegExp(`queue "opsbook-test.${tag}.absent".*NOT_FOUND`));
  });

  it('is down on wrong credentials', async () => {
    const r = await runConfig({ kind: 'rabbitmq', url: `amqp://guest:wrong@${target.host}` });
    expect(r.status).toBe('down');
    expect(r.error).toMatch(/ACCESS_REFUSED|403/);
  });

  it('is down when the connection is closed after accept, and when nothing listens', async () => {
    proxy.setMode('close');
    const closed = await runConfig({ kind: 'rabbitmq', url: viaProxy() });
    proxy.setMode('forward');
    expect(closed).toMatchObject({ status: 'down', conditions: [{ ok: false, actual: 'false' }] });
    expect(closed.error).toBeTruthy();
    const refused = await runConfig({ kind: 'rabbitmq', url: 'amqp://guest:guest@127.0.0.1:1' });
    expect(refused.error).toMatch(/ECONNREFUSED/);
    expect((await runConfig({ kind: 'rabbitmq', url: viaProxy(), queues: [backlog] })).value).toBe(3);
  });

  it('times out when the broker accepts but never answers', async () => {
    proxy.setMode('stall');
    const r = await runConfig({ kind: 'rabbitmq', url: viaProxy(), timeout: '300ms' });
    proxy.setMode('forward');
    expect(r).toMatchObject({ status: 'down', error: 'timeout after 300ms' });
  });
});

describe('rabbitmq kind options', () => {
  it('rejects a non-AMQP URL and a queue list that is not a list, with their place', async () => {
    const r = await load('ops.yaml', `
checks:
  - id: broker
    kind: rabbitmq
    url: http://127.0.0.1:15672
    queues: emails
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => [i.path, i.line])).toEqual([
      ['checks[0].url', 5],
      ['checks[0].queues', 6],
    ]);
    expect(r.issues[0]!.message).toMatch(/amqp:\/\//);
  });
});
