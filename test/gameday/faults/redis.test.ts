/**
 * The Redis faults on the world's private redis-server: stopped (refused), stalled (SIGSTOP: accepted,
 * never answered), and BullMQ-shaped jobs under the key a system reads. The redis check kind sees
 * each, and sees it mended.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConfig } from '../../../src/checks/testing/index.js';
import { addBullJobs, removeBullJobs } from '../../../src/gameday/faults/jobs.js';
import { startRedisServer, type RedisServer } from '../../../src/gameday/services.js';
import { programInstalled } from './available.js';

const installed = programInstalled('redis-server');

describe.skipIf(!installed)('Redis faults on a private redis-server', () => {
  let redis: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    client.on('error', () => {});
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('stalled: connections are accepted and nothing answers, so the probe times out; thaw mends it with the data intact', async () => {
    await client.set('kept', '1');
    await redis.freeze();
    await redis.freeze();
    const r = await runConfig({ kind: 'redis', url: redis.url, timeout: '500ms' });
    expect(r.status).toBe('down');
    expect(r.error).toMatch(/timeout/i);
    await redis.thaw();
    await redis.thaw();
    expect((await runConfig({ kind: 'redis', url: redis.url })).status).toBe('up');
    expect(await client.get('kept')).toBe('1');
  });

  it('down: connection refused; started again on the same port', async () => {
    await redis.stop();
    const r = await runConfig({ kind: 'redis', url: redis.url });
    expect(r.status).toBe('down');
    expect(r.error).toMatch(/ECONNREFUSED|refused|connect/i);
    await redis.start();
    expect((await runConfig({ kind: 'redis', url: redis.url })).status).toBe('up');
  });

  it('BullMQ-shaped jobs make a waiting list and a failed sorted set as long as asked, and only those are taken away', async () => {
    await client.lpush('nova:email:waiting', 'already-there');
    const waitingProbe = { kind: 'redis', url: redis.url, key: 'nova:email:waiting', conditions: ['[LENGTH] <= 1000'] };
    expect((await runConfig(waitingProbe)).status).toBe('up');
    const waiting = await addBullJobs(client, 'nova:email:waiting', 1200, Date.now());
    const busy = await runConfig(waitingProbe);
    expect(busy.status).toBe('down');
    expect(busy.value).toBe(1201);
    expect(await client.hget(`nova:email:${waiting[0]}`, 'name')).toBe('gameday');

    const failedProbe = { kind: 'redis', url: redis.url, pattern: 'bull:*:failed', conditions: ['[LENGTH] <= 500'] };
    const failed = await addBullJobs(client, 'bull:email:failed', 600, Date.now());
    expect(await client.type('bull:email:failed')).toBe('zset');
    expect((await runConfig(failedProbe)).status).toBe('down');

    await removeBullJobs(client, 'nova:email:waiting', waiting);
    await removeBullJobs(client, 'bull:email:failed', failed);
    expect((await runConfig(waitingProbe)).status).toBe('up');
    expect((await runConfig(failedProbe)).status).toBe('up');
    expect(await client.lrange('nova:email:waiting', 0, -1)).toEqual(['already-there']);
    expect(await client.exists(`nova:email:${waiting[0]}`)).toBe(0);
  });
});
