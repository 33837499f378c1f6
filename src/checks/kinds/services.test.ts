/** postgres and redis kinds against the machine's real PostgreSQL and Redis, and a real BullMQ queue. */
import { Redis } from 'ioredis';
import { Queue, Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_ADMIN_URL, REDIS_URL, postgresUp, redisTestPrefix, redisUp } from '../../../test/support/services.js';
import { runConfig } from '../testing/index.js';
import { startPrivateRedis } from '../../../test/support/private-redis.js';
import { scaled } from '../../../test/support/timing.js';

const pgAvailable = await postgresUp();
const redisAvailable = await redisUp();

describe.skipIf(!pgAvailable)('postgres kind', () => {
  it('connects and runs SELECT 1 by default', async () => {
    const r = await runConfig({ kind: 'postgres', url: PG_ADMIN_URL });
    expect(r).toMatchObject({ status: 'up', level: 'ok' });
  });

  it('reads the first column as [VALUE]: connections / max_connections as a fraction', async () => {
    const r = await runConfig({
      kind: 'postgres',
      url: PG_ADMIN_URL,
      query: "select count(*)::float / current_setting('max_connections')::float from pg_stat_activity",
      conditions: ['[VALUE] > 0', '[VALUE] < 1'],
      warning: '[VALUE] > 80%',
    });
    expect(r).toMatchObject({ status: 'up', level: 'ok' });
    expect(r.value).toBeGreaterThan(0);
  });

  it('runs the query read-only', async () => {
    const r = await runConfig({ kind: 'postgres', url: PG_ADMIN_URL, query: 'create table opsbook_probe_should_not_exist (x int)' });
    expect(r.status).toBe('down');
    expect(r.error).toContain('read-only transaction');
  });

  it('refuses a query of several statements: one that ends the read-only transaction cannot write after it', async () => {
    const table = `opsbook_probe_escape_${process.pid}_${Date.now()}`;
    const r = await runConfig({ kind: 'postgres', url: PG_ADMIN_URL, query: `ROLLBACK; CREATE TABLE ${table} (x int); SELECT 1` });
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    try {
      const found = await client.query('SELECT to_regclass($1) AS t', [table]);
      if (found.rows[0].t !== null) await client.query(`DROP TABLE ${table}`);
      expect(found.rows[0].t).toBeNull();
    } finally {
      await client.end();
    }
    expect(r.status).toBe('down');
    expect(r.error).toContain('multiple commands');
  });

  it('stops a slow query at the check timeout with statement_timeout', async () => {
    const r = await runConfig({ kind: 'postgres', url: PG_ADMIN_URL, query: 'select pg_sleep(5)', timeout: '300ms' });
    expect(r.status).toBe('down');
    expect(r.error).toMatch(/statement timeout|timeout after 300ms/);
  });

  it('reports a refused connection', async () => {
    const r = await runConfig({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/test' });
    expect(r).toMatchObject({ status: 'down', conditions: [{ ok: false, actual: 'false' }] });
  });
});

describe.skipIf(!redisAvailable)('redis kind', () => {
  let redis: Redis;
  const prefix = redisTestPrefix('checks');
  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    await redis.rpush(`${prefix}nova:email:waiting`, ...Array.from({ length: 7 }, (_, i) => `job${i}`));
    await redis.sadd(`${prefix}set`, 'a', 'b');
    await redis.zadd(`${prefix}zset`, 1, 'a', 2, 'b', 3, 'c');
    await redis.xadd(`${prefix}stream`, '*', 'f', '1');
    await redis.hset(`${prefix}hash`, { a: 1, b: 2, c: 3, d: 4 });
    await redis.rpush(`${prefix}celery`, 'task1', 'task2');
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('answers PING', async () => {
    expect((await runConfig({ kind: 'redis', url: REDIS_URL })).status).toBe('up');
  });

  it.each([
    ['nova:email:waiting', 'list', 7],
    ['set', 'set', 2],
    ['zset', 'zset', 3],
    ['stream', 'stream', 1],
    ['hash', 'hash', 4],
    ['celery', 'list', 2],
    ['absent', 'none', 0],
  ])('measures the length of %s whatever its type (%s)', async (key, type, length) => {
    const r = await runConfig({ kind: 'redis', url: REDIS_URL, key: `${prefix}${key}`, conditions: [`[LENGTH] == ${length}`, `[TYPE] == ${type}`] });
    expect(r.conditions.map((c) => c.ok)).toEqual([true, true]);
    expect(r.value).toBe(length);
  });

  it('sums a key pattern', async () => {
    const r = await runConfig({ kind: 'redis', url: REDIS_URL, pattern: `${prefix}*`, conditions: ['[KEYS] == 6', '[LENGTH] == 19'] });
    expect(r.status).toBe('up');
  });

  it('sends PING and nothing else on its new connection: no INFO ready check, no CLIENT SETINFO', async () => {
    // A server of its own: its command counts are this check's alone.
    const own = await startPrivateRedis();
    const admin = new Redis(own.url);
    try {
      await admin.config('RESETSTAT');
      expect((await runConfig({ kind: 'redis', url: own.url })).status).toBe('up');
      const stats = await admin.info('commandstats');
      const sent = [...stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map(([, name, calls]) => `${name} ${calls}`).filter((c) => !c.startsWith('config|resetstat'));
      expect(sent).toEqual(['ping 1']);
    } finally {
      admin.disconnect();
      await own.stop();
    }
  });

  it('reads INFO fields', async () => {
    const r = await runConfig({ kind: 'redis', url: REDIS_URL, info: 'connected_clients', conditions: ['[VALUE] >= 1', '[INFO].used_memory > 0'] });
    expect(r.status).toBe('up');
  });

  it('reads a real BullMQ queue with jobs in each state, with its prefix', async () => {
    const bullPrefix = `${prefix}bull`;
    const connection = { host: new URL(REDIS_URL).hostname, port: Number(new URL(REDIS_URL).port || 6379) };
    const queue = new Queue('email', { connection, prefix: bullPrefix });
    let release: () => void = () => {};
    const hanging = new Promise<void>((r) => (release = r));
    const worker = new Worker(
      'email',
      async (job: Job) => {
        if (job.name === 'fail') throw new Error('smtp refused');
        if (job.name === 'hang') await hanging;
      },
      { connection, prefix: bullPrefix, concurrency: 3 },
    );
    try {
      await queue.add('ok', {});
      await queue.add('fail', {}, { attempts: 1 });
      await queue.add('hang', {});
      for (const end = Date.now() + scaled(5_000); Date.now() < end; ) {
        const c = await queue.getJobCounts('completed', 'failed', 'active');
        if (c.completed === 1 && c.failed === 1 && c.active === 1) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      // Stop the worker without waiting for the hanging job, so it stays active and nothing else is taken.
      await worker.close(true);
      await queue.add('w1', {});
      await queue.add('w2', {});
      await queue.add('later', {}, { delay: 60_000 });
      await queue.add('urgent', {}, { priority: 5 });
      const expected = await queue.getJobCounts();
      const r = await runConfig({
        kind: 'redis',
        url: REDIS_URL,
        bullmq: { queue: 'email', prefix: bullPrefix },
        warning: '[WAITING] > 1',
        critical: '[FAILED] > 100',
      });
      expect(r.level).toBe('warning');
      const seen = Object.fromEntries(r.conditions.map((c) => [c.text, c.actual]));
      expect(seen['[WAITING] > 1']).toBe(String(expected.waiting! + expected.paused!));
      const counts = await runConfig({
        kind: 'redis',
        url: REDIS_URL,
        bullmq: { queue: 'email', prefix: bullPrefix },
        conditions: [
          `[ACTIVE] == ${expected.active}`,
          `[DELAYED] == ${expected.delayed}`,
          `[FAILED] == ${expected.failed}`,
          `[COMPLETED] == ${expected.completed}`,
          `[PRIORITIZED] == ${expected.prioritized}`,
        ],
      });
      expect(counts.conditions.map((c) => [c.text, c.ok])).toEqual(counts.conditions.map((c) => [c.text, true]));
      expect(expected).toMatchObject({ active: 1, delayed: 1, failed: 1, completed: 1, prioritized: 1 });
      expect(expected.waiting! + expected.paused!).toBe(2);
    } finally {
      release();
      await worker.close(true);
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
    }
  });
});
