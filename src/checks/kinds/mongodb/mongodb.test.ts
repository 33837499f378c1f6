/**
 * mongodb kind with the official driver against a loopback wire-protocol responder replaying the
 * documented hello/ping/serverStatus/replSetGetStatus replies (MongoDB is not packaged here), with
 * real SCRAM-SHA-256 for the credential cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configLoader } from '../../../../test/support/config.js';
import { freePort } from '../../../../test/support/net.js';
import { helloPrimary, helloStandalone, ping, replSetGetStatus, serverStatus } from '../../../gameday/mongo/replies.js';
import { startMongoResponder, type MongoResponder } from '../../../gameday/mongo/responder.js';
import { startTcpProxy, type TcpProxy } from '../../../../test/support/tcp-proxy.js';
import { runConfig, verdicts } from '../../testing/index.js';

const load = configLoader('opsbook-mongodb-kind');
const MEMBERS = [
  { name: 'mongo-0.novapulse:27017', stateStr: 'PRIMARY' as const },
  { name: 'mongo-1.novapulse:27017', stateStr: 'SECONDARY' as const, lagSeconds: 2 },
  { name: 'mongo-2.novapulse:27017', stateStr: 'SECONDARY' as const, lagSeconds: 12 },
];

describe('mongodb kind against a replica-set member', () => {
  let mongo: MongoResponder;
  beforeAll(async () => {
    mongo = await startMongoResponder({
      replies: { hello: helloPrimary(), ping, serverStatus: serverStatus({ current: 412, available: 838_448 }), replSetGetStatus: replSetGetStatus(MEMBERS) },
    });
  });
  afterAll(() => mongo.close());

  it('is up on ping, and says whether it is the writable primary', async () => {
    const r = await runConfig({ kind: 'mongodb', url: mongo.url, conditions: ['[CONNECTED] == true', '[WRITABLE_PRIMARY] == true'] });
    expect(r).toMatchObject({ status: 'up', level: 'ok' });
    expect(mongo.received).toEqual(expect.arrayContaining(['ismaster', 'ping', 'hello']));
  });

  it('reads connections and named serverStatus fields, with levels', async () => {
    const r = await runConfig({
      kind: 'mongodb',
      url: mongo.url,
      server_status: true,
      conditions: ['[CONNECTIONS_CURRENT] == 412', '[CONNECTIONS_AVAILABLE] > 1000', '[VERSION] == 7.0.14', '[SERVER_STATUS].opcounters.insert == 120394', '[SERVER_STATUS].mem.resident < 4096'],
      warning: '[CONNECTIONS_CURRENT] > 400',
      critical: '[CONNECTIONS_CURRENT] > 800',
    });
    expect(r.conditions.filter((c) => !c.ok && c.list === 'conditions')).toEqual([]);
    expect(r).toMatchObject({ status: 'up', level: 'warning', value: 412 });
  });

  it('reads member states and the replication lag of the slowest secondary', async () => {
    const r = await runConfig({
      kind: 'mongodb',
      url: mongo.url,
      replica_set: true,
      conditions: ['[REPLICA_SET] == rs0', '[PRIMARY] == mongo-0.novapulse:27017', '[HEALTHY_MEMBERS] == 3', '[SECONDARIES] == 2', '[MEMBERS][2].state == SECONDARY'],
      warning: '[REPLICATION_LAG] > 10s',
      critical: '[REPLICATION_LAG] > 1m',
    });
    expect(Object.values(verdicts(r))).toEqual([true, true, true, true, true, true, false]);
    expect(r).toMatchObject({ status: 'up', level: 'warning', value: 12_000 });
  });

  it('fails when a member is down or no primary is elected, showing what it saw', async () => {
    mongo.reply('replSetGetStatus', replSetGetStatus([{ ...MEMBERS[0]!, stateStr: '(not reachable/healthy)' }, { ...MEMBERS[1]!, stateStr: 'SECONDARY' }, MEMBERS[2]!]));
    try {
      const r = await runConfig({ kind: 'mongodb', url: mongo.url, replica_set: true, conditions: ['[HEALTHY_MEMBERS] == 3', '[PRIMARY] != ""'] });
      expect(r.status).toBe('down');
      expect(r.conditions.map((c) => [c.ok, c.actual])).toEqual([[false, '2'], [false, '']]);
    } finally {
      mongo.reply('replSetGetStatus', replSetGetStatus(MEMBERS));
    }
  });

  it('is down naming the command a server refuses', async () => {
    const standalone = await startMongoResponder({ replies: { hello: helloStandalone(), ping } });
    try {
      const r = await runConfig({ kind: 'mongodb', url: standalone.url, replica_set: true });
      expect(r.status).toBe('down');
      expect(r.error).toMatch(/^replSetGetStatus: no such command/);
    } finally {
      await standalone.close();
    }
  });
});

describe('mongodb kind with authentication', () => {
  let mongo: MongoResponder;
  beforeAll(async () => {
    mongo = await startMongoResponder({ replies: { hello: helloStandalone(), ping, serverStatus: serverStatus({ current: 5, available: 995 }) }, users: { opsbook: 'monitor-pw' } });
  });
  afterAll(() => mongo.close());
  const url = (password: string): string => `mongodb://opsbook:${password}@127.0.0.1:${mongo.port}/?directConnection=true&authSource=admin`;

  it('authenticates with SCRAM-SHA-256 and reads serverStatus', async () => {
    const r = await runConfig({ kind: 'mongodb', url: url('monitor-pw'), server_status: true, conditions: ['[CONNECTIONS_CURRENT] == 5'] });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('up');
    expect(mongo.received).toEqual(expect.arrayContaining(['saslStart', 'saslContinue', 'serverStatus']));
  });

  it('is down at the connect step with a wrong password', async () => {
    const r = await runConfig({ kind: 'mongodb', url: url('wrong'), server_status: true });
    expect(r).toMatchObject({ status: 'down', conditions: [{ ok: false, actual: 'false' }] });
    expect(r.error).toMatch(/^connect: Authentication failed/);
  });
});

describe('mongodb kind outages', () => {
  let mongo: MongoResponder;
  let proxy: TcpProxy;
  beforeAll(async () => {
    mongo = await startMongoResponder({ replies: { hello: helloStandalone(), ping } });
    proxy = await startTcpProxy({ host: '127.0.0.1', port: mongo.port });
  });
  afterAll(async () => {
    await proxy.close();
    await mongo.close();
  });

  it('is down when nothing listens, and when the connection is closed after accept', async () => {
    const refused = await runConfig({ kind: 'mongodb', url: `mongodb://127.0.0.1:${await freePort()}/?directConnection=true`, timeout: '2s' });
    expect(refused).toMatchObject({ status: 'down' });
    expect(refused.error).toMatch(/^connect: .*ECONNREFUSED/);
    // Refused is known at once: not after the driver's server-selection window (80 % of the timeout, 16 s here).
    const refusedFast = await runConfig({ kind: 'mongodb', url: `mongodb://127.0.0.1:${await freePort()}/?directConnection=true`, timeout: '20s' });
    expect(refusedFast.error).toMatch(/^connect: .*ECONNREFUSED/);
    expect(refusedFast.latencyMs).toBeLessThan(16_000);
    proxy.setMode('close');
    const closed = await runConfig({ kind: 'mongodb', url: `mongodb://${proxy.address}/?directConnection=true`, timeout: '2s' });
    proxy.setMode('forward');
    expect(closed.status).toBe('down');
    expect(closed.error).toBeTruthy();
    expect((await runConfig({ kind: 'mongodb', url: `mongodb://${proxy.address}/?directConnection=true` })).status).toBe('up');
  });

  it('reads a slow server as up, its RESPONSE_TIME holding the late reply, so a warning on it is met', async () => {
    mongo.slow('ping', 1100);
    try {
      const r = await runConfig({ kind: 'mongodb', url: mongo.url, timeout: '5s', warning: ['[RESPONSE_TIME] >= 1000'] });
      expect(r).toMatchObject({ status: 'up', level: 'warning' });
    } finally {
      mongo.slow('ping', 0);
    }
  });

  it('times out when the server accepts but never answers', async () => {
    proxy.setMode('stall');
    const r = await runConfig({ kind: 'mongodb', url: `mongodb://${proxy.address}/?directConnection=true`, timeout: '300ms' });
    proxy.setMode('forward');
    expect(r.status).toBe('down');
    expect(r.error).toMatch(/timeout|timed out/i);
  });
});

describe('mongodb kind options', () => {
  it('rejects a non-mongodb URL, and a replica placeholder without replica_set, with their place', async () => {
    const r = await load('ops.yaml', `
checks:
  - { id: db, kind: mongodb, url: "postgres://127.0.0.1/x" }
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]).toMatchObject({ path: 'checks[0].url', line: 3 });
    const r2 = await load('ops2.yaml', `
checks:
  - id: db
    kind: mongodb
    url: mongodb://127.0.0.1:27017
    warning: "[REPLICATION_LAG] > 10s"
`);
    expect(r2.ok).toBe(false);
    if (r2.ok) return;
    expect(r2.issues[0]).toMatchObject({ path: 'checks[0]', line: 3, message: expect.stringMatching(/\[REPLICATION_LAG\].*needs replica_set: true/) });
  });
});
