/**
 * The Celery faults on real workers (Debian's python3-celery) on a private redis-server: a worker
 * frozen with SIGSTOP, stopped and started again, and a backlog of real jobs on a queue whose
 * workers are frozen, and beat restarted with a periodic task out of its schedule. The celery and
 * redis check kinds see each, and see it mended: the thawed worker really works the jobs off.
 */
import { Redis } from 'ioredis';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runConfig } from '../../../src/checks/testing/index.js';
import { startCelery, type CeleryWorld } from '../../../src/gameday/celery.js';
import { enqueueCeleryJobs } from '../../../src/gameday/faults/jobs.js';
import { startRedisServer, type RedisServer } from '../../../src/gameday/services.js';
import { celeryInstalledHere, programInstalled } from './available.js';
import { scaled } from '../../support/timing.js';

const installed = programInstalled('redis-server') && celeryInstalledHere();

// The two worlds run side by side (most of their time is Python starting and beat windows of real
// time); the tests on the one worker of the first run one after the other.
describe.skipIf(!installed)('Celery faults on real workers', { concurrent: true }, () => {
  let redis: RedisServer;
  let celery: CeleryWorld;
  let client: Redis;
  let broker: string;
  const workersProbe = (): Record<string, unknown> => ({ kind: 'celery', broker, queues: ['celery'], conditions: ['[WORKERS:celery] >= 1'] });
  beforeAll(async () => {
    redis = await startRedisServer();
    broker = `${redis.url}/0`;
    client = new Redis(broker);
    client.on('error', () => {});
    celery = await startCelery({ default_queue: 'celery', workers: [{ name: 'worker', queues: ['celery'] }], beat_tasks: [], beat_period_ms: 1000 }, broker);
  }, scaled(120_000));
  afterAll(async () => {
    client?.disconnect();
    await celery?.stop();
    await redis?.stop();
  });

  it.sequential('frozen: the worker process is there but answers no ping; SIGCONT mends it', async ({ expect }) => {
    const worker = celery.workers[0]!;
    expect((await runConfig(workersProbe())).status).toBe('up');
    worker.freeze();
    worker.freeze();
    expect(worker.state()).toBe('frozen');
    const frozen = await runConfig(workersProbe());
    expect(frozen.status).toBe('down');
    worker.thaw();
    expect((await runConfig(workersProbe())).status).toBe('up');
  }, scaled(60_000));

  it.sequential('stopped: no worker consumes the queue; start runs it again and waits until it answers', async ({ expect }) => {
    const worker = celery.workers[0]!;
    await worker.stop();
    expect(worker.state()).toBe('stopped');
    expect((await runConfig(workersProbe())).status).toBe('down');
    await worker.start();
    await worker.start();
    expect((await runConfig(workersProbe())).status).toBe('up');
  }, scaled(120_000));

  it.sequential("the world's `celery` command line is Celery's own: inspect ping names the worker, a bad command fails", async ({ expect }) => {
    const ping = await celery.cli(['inspect', 'ping']);
    expect(ping.code).toBe(0);
    expect(ping.stdout).toMatch(/worker@gameday: OK\s+pong/);
    const bad = await celery.cli(['inspect', 'no_such_method']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('python -m celery');
  }, scaled(60_000));

  it.sequential('backlog: real jobs on the queue of a frozen worker make its depth; thawed, the worker works them off', async ({ expect }) => {
    const worker = celery.workers[0]!;
    const depth = { kind: 'redis', url: redis.url, key: 'celery', conditions: ['[LENGTH] <= 100'] };
    worker.freeze();
    await enqueueCeleryJobs(client, 'celery', 150);
    const busy = await runConfig(depth);
    expect(busy.status).toBe('down');
    expect(busy.value).toBeGreaterThanOrEqual(149); // one may already sit prefetched in the frozen worker
    const messages = await runConfig({ kind: 'celery', broker, queues: ['celery'], conditions: ['[MESSAGES:celery] <= 100'] });
    expect(messages.status).toBe('down');
    worker.thaw();
    for (const end = Date.now() + scaled(60_000); (await client.llen('celery')) > 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
    expect((await runConfig(depth)).value).toBe(0);
  }, scaled(120_000));
});

describe.skipIf(!installed)('Celery beat with a periodic task out of its schedule', { concurrent: true }, () => {
  let redis: RedisServer;
  let celery: CeleryWorld;
  let broker: string;
  const [A, B] = ['gameday.tasks.every_minute', 'gameday.tasks.every_five_minutes'];
  beforeAll(async () => {
    redis = await startRedisServer();
    broker = `${redis.url}/0`;
    celery = await startCelery({ default_queue: 'celery', workers: [{ name: 'worker', queues: ['celery'] }], beat_tasks: [A, B], beat_period_ms: 500 }, broker);
  }, scaled(120_000));
  afterAll(async () => {
    await celery?.stop();
    await redis?.stop();
  });
  // A fresh watcher each run: it listens a whole window of real time, after the restart.
  const sends = async (): Promise<string[]> => {
    const r = await runConfig({
      kind: 'celery', broker, beat_tasks: [A, B], beat_window: `${celery.beatWindowMs}ms`, timeout: '10s',
      conditions: ['[BEAT_INSTANCES] >= 0', `[PERIODIC_SENT:${A}] >= 0`, `[PERIODIC_SENT:${B}] >= 0`],
    });
    return r.conditions.map((c) => c.actual);
  };

  it('unscheduled: the restarted beat alone sends the other task and never this one; restarted whole, both again', async ({ expect }) => {
    const beat = celery.beat!;
    await beat.restart([A]);
    expect(beat.unscheduled()).toEqual([A]);
    const without = await sends();
    expect(without[0]).toBe('1');
    expect(without[1]).toBe('0');
    expect(Number(without[2])).toBeGreaterThanOrEqual(1);
    await beat.restart([]);
    const whole = await sends();
    expect(whole[0]).toBe('1');
    expect(Number(whole[1])).toBeGreaterThanOrEqual(1);
    expect(Number(whole[2])).toBeGreaterThanOrEqual(1);
  }, scaled(180_000));
});

describe.skipIf(!installed)("the world's Celery launcher", () => {
  // What a worker, beat or `celery` command line imports as it starts is most of its CPU: the
  // launcher leaves out what only a terminal uses (the amqp shell's prompt_toolkit, pygments' colours).
  it('starts Celery\'s command line without prompt_toolkit or pygments', async ({ expect }) => {
    const appDir = fileURLToPath(new URL('../../../src/gameday/celery/', import.meta.url));
    const r = spawnSync('/usr/bin/python3', ['-X', 'importtime', '-m', 'opsbook_gameday_celery_cli', '-A', 'opsbook_gameday_celery', 'inspect', '--help'], {
      cwd: appDir,
      env: { PATH: process.env.PATH ?? '', PYTHONPATH: appDir, PYTHONDONTWRITEBYTECODE: '1', OPSBOOK_CELERY_BROKER: 'redis://127.0.0.1:1/0' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: python -m celery inspect');
    const loaded = r.stderr.split('\n').filter((l) => l.startsWith('import time:')).map((l) => l.split('|')[2]!.trim());
    expect(loaded).toContain('celery.bin.celery');
    expect(loaded.filter((m) => /^(prompt_toolkit|pygments\.|click_repl)/.test(m))).toEqual([]);
  }, scaled(30_000));
});
