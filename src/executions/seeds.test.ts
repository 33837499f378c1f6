import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createTestDatabase, postgresUp, REDIS_URL, redisTestPrefix, redisUp } from '../../test/support/services.js';
import { harness, responder, seed, viewer, type Harness } from './test-support.js';

const pgOk = await postgresUp();
const redisOk = await redisUp();

describe.skipIf(!pgOk)('seed 000 RB-002 against the real PostgreSQL', () => {
  let h: Harness;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase('opsbook_exec');
    h = await harness({
      config: { services: [{ id: 'nxentra', postgres: { url: db.url } }] },
      runbooks: [{ file: 'seeds/nxentra.md', path: seed('000') }],
    });
  });
  afterAll(async () => {
    await h?.cleanup();
    await db?.drop();
  });

  it('plans diagnosis SQL as runnable reads and the kubectl resolution as not runnable here', async () => {
    const plan = await h.service.plan('seeds/nxentra.md#RB-002');
    const diagnosis = plan.steps.find((s) => s.phase === 'diagnosis')!;
    expect(diagnosis.commands.map((c) => [c.executor, c.effect, c.runnable])).toEqual([
      ['sql', 'read', true],
      ['sql', 'read', true],
    ]);
    const resolution = plan.steps.find((s) => s.phase === 'resolution')!;
    const psql = resolution.commands.find((c) => c.text.startsWith('psql'))!;
    expect(psql).toMatchObject({ executor: 'sql', effect: 'destructive', runnable: true });
    expect(psql.display).toContain('pg_terminate_backend');
    const kubectl = resolution.commands.find((c) => c.text.startsWith('kubectl'))!;
    expect(kubectl.runnable).toBe(false);
    expect(kubectl.why).toMatch(/no shell for service nxentra: set services\[\]\.shell|kubectl is not (installed|configured)/);
  });

  it('runs the diagnosis SQL; its rows land in the transcript', async () => {
    const { id, plan } = await h.service.start('seeds/nxentra.md#RB-002', responder);
    const diagnosis = plan.steps.find((s) => s.phase === 'diagnosis')!;
    const result = await h.service.runStep(id, diagnosis.number, responder);
    expect(result.status).toBe('ok');
    const [activity, maxConn] = result.entries;
    expect(activity!.stdout).toMatch(/count \| state/);
    expect(activity!.stdout).toMatch(/\(\d+ rows?\)/);
    // This very session is connected to the test database, so at least one row counts it.
    expect((activity!.data.rows as unknown[]).length).toBeGreaterThan(0);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const expected = (await c.query('SHOW max_connections')).rows[0].max_connections as string;
    await c.end();
    expect(maxConn!.stdout).toContain(expected);
    expect(maxConn!.approval).toMatchObject({ how: 'read', by: 'ana' });
    const transcript = await h.service.transcript(id);
    expect(transcript.map((e) => e.status)).toEqual(['ok', 'ok']);
  });

  it('runs read steps inside a read-only transaction, so a misclassified write cannot write', async () => {
    const h2 = await harness({
      config: { services: [{ id: 'nxentra', postgres: { url: db.url } }] },
      // SELECT … INTO is classified write; here a bare CTE that inserts, which a wrong reader could call read.
      runbooks: [{ file: 'x.md', text: '# X\n\n## RB-9: x\n\n**Diagnosis:**\n```sql\nSELECT 1;\n```\n' }],
    });
    try {
      const { id } = await h2.service.start('x.md#RB-9', responder);
      const built = await h2.service.runStep(id, 1, responder);
      expect(built.status).toBe('ok');
      const { runSql } = await import('./executors/sql/index.js');
      const out = await runSql(db.url, { text: 'CREATE TABLE should_not_exist (x int)', values: [], display: '', missing: [] }, true, { timeoutMs: 5000, signal: new AbortController().signal });
      expect(out.status).toBe('failed');
      expect(out.stderr).toMatch(/read-only transaction/);
    } finally {
      await h2.cleanup();
    }
  });

  it('keeps a read step read-only after a ROLLBACK in its own text: the statements after it cannot write', async () => {
    const { runSql } = await import('./executors/sql/index.js');
    const table = `should_not_exist_${process.pid}_${Date.now()}`;
    const out = await runSql(db.url, { text: `ROLLBACK; CREATE TABLE ${table} (x int)`, values: [], display: '', missing: [] }, true, { timeoutMs: 5000, signal: new AbortController().signal });
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const found = (await c.query('SELECT to_regclass($1) AS t', [table])).rows[0].t;
      if (found !== null) await c.query(`DROP TABLE ${table}`);
      expect(found).toBeNull();
    } finally {
      await c.end();
    }
    expect(out.status).toBe('failed');
    expect(out.stderr).toMatch(/read-only transaction/);
  });
});

describe.skipIf(!redisOk)('seed 001 Redis steps against the real Redis', () => {
  let h: Harness;
  let redis: Redis;
  const prefix = redisTestPrefix('exec-seed001');
  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    // The seed names real keys (nova:…); the service's key_prefix keeps this test on keys of its own.
    await redis.rpush(`${prefix}nova:email:waiting`, 'a', 'b', 'c');
    for (const q of ['email', 'webhook', 'workflow', 'report']) await redis.rpush(`${prefix}nova:${q}:failed`, 'x');
    h = await harness({
      config: { services: [{ id: 'novapulse', redis: { url: REDIS_URL, key_prefix: prefix } }] },
      runbooks: [{ file: 'seeds/novapulse.md', path: seed('001') }],
    });
  });
  afterAll(async () => {
    await h?.cleanup();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('runs LLEN nova:email:waiting from the redis-cli session', async () => {
    const { id, plan } = await h.service.start('seeds/novapulse.md#monitoring-queue-health', responder);
    const step = plan.steps.find((s) => s.commands.some((c) => c.text === 'LLEN nova:email:waiting'))!;
    const llen = step.commands.find((c) => c.text === 'LLEN nova:email:waiting')!;
    expect(step.commands.find((c) => c.text === 'redis-cli')).toMatchObject({ skip: true, runnable: false });
    const result = await h.service.runStep(id, step.number, responder, { command: llen.number });
    expect(result.status).toBe('ok');
    expect(result.entries[0]!.stdout).toBe('(integer) 3\n');
  });

  it('refuses DEL nova:email:failed without confirmation and, confirmed, deletes exactly that key', async () => {
    const { id, plan } = await h.service.start('seeds/novapulse.md#clearing-failed-jobs', responder);
    const step = plan.steps.find((s) => s.commands.some((c) => c.text === 'DEL nova:email:failed'))!;
    const del = step.commands.find((c) => c.text === 'DEL nova:email:failed')!;
    expect(del).toMatchObject({ effect: 'destructive', runnable: true, confirmation: 'nova:email:failed' });

    const refused = await h.service.runStep(id, step.number, responder, { command: del.number });
    expect(refused.status).toBe('refused');
    expect(await redis.exists(`${prefix}nova:email:failed`)).toBe(1);

    const wrong = await h.service.runStep(id, step.number, responder, { command: del.number, confirm: 'nova:webhook:failed' });
    expect(wrong.status).toBe('refused');
    const byViewer = await h.service.runStep(id, step.number, viewer, { command: del.number, confirm: 'nova:email:failed' });
    expect(byViewer.status).toBe('refused');
    expect(await redis.exists(`${prefix}nova:email:failed`)).toBe(1);

    const done = await h.service.runStep(id, step.number, responder, { command: del.number, confirm: 'nova:email:failed' });
    expect(done.status).toBe('ok');
    expect(done.entries[0]!.stdout).toBe('(integer) 1\n');
    expect(await redis.exists(`${prefix}nova:email:failed`)).toBe(0);
    for (const other of ['webhook', 'workflow', 'report']) expect(await redis.exists(`${prefix}nova:${other}:failed`)).toBe(1);
    expect(await redis.llen(`${prefix}nova:email:waiting`)).toBe(3);
    const statuses = (await h.service.transcript(id)).map((e) => e.status);
    expect(statuses).toEqual(['refused', 'refused', 'refused', 'ok']);
  });
});
