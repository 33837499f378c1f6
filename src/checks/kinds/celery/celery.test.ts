/**
 * celery kind against real Celery workers and beats (Debian's python3-celery) on a private
 * redis-server: workers started, SIGSTOPped and killed here, two beats counted, outages through a
 * loopback proxy in front of the broker. The workers and each beat test have a database of the
 * server to themselves, and run side by side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { celeryInstalled, celeryProcesses, type CeleryProcesses } from '../../../../test/support/celery-processes.js';
import { configLoader } from '../../../../test/support/config.js';
import { startPrivateRedis, type PrivateRedis } from '../../../../test/support/private-redis.js';
import { startTcpProxy, type TcpProxy } from '../../../../test/support/tcp-proxy.js';
import type { CheckResult } from '../../types.js';
import { Redis } from 'ioredis';
import { SimulatedClock, SystemClock } from '../../../lib/clock.js';
import { checkSchema } from '../../../config/schema/checks.js';
import { compileCheck } from '../../compile.js';
import { releaseCheckState, runCheckOnce } from '../../run-once.js';
import { runConfig, verdicts } from '../../testing/index.js';
import { decodeMessage, fanoutChannel } from './kombu.js';
import { scaled } from '../../../../test/support/timing.js';

const installed = await celeryInstalled();
if (!installed) console.warn('skipping: python3-celery / python3-redis not installed (apt-get install python3-celery python3-redis)');
const load = configLoader('opsbook-celery-kind');
const TICK = 'opsbook_celery_app.tick';

/** Runs the check until `done` holds; the bound is generous, the loop ends as soon as it holds. */
async function until(config: Record<string, unknown>, done: (r: CheckResult) => boolean, tries = 60): Promise<CheckResult> {
  let r = await runConfig(config);
  for (let i = 0; i < tries && !done(r); i++) {
    await new Promise((res) => setTimeout(res, 250));
    r = await runConfig(config);
  }
  return r;
}

describe.skipIf(!installed)('celery kind against real workers and beat', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  // The workers' tests and the beat tests run side by side, most of their time spent waiting on
  // windows of real time: the workers on database 0, each beat test with beats of its own on a
  // database of its own (kombu's fanout channels are per database), so none sees another's beat,
  // watcher or worker. The workers' tests run one after the other (concurrent here names only how
  // this group runs beside the beat tests).
  describe.concurrent('workers', () => {
    let celery: CeleryProcesses;
    let proxy: TcpProxy;
    let broker: string;
    let w2: ChildProcess;
    const alive = (n: number) => (r: CheckResult) => r.conditions.some((c) => c.text === '[WORKERS_ALIVE] >= 1') && (r.value ?? -1) === n;

    beforeAll(async () => {
      broker = `${redis.url}/0`;
      celery = celeryProcesses(broker);
      proxy = await startTcpProxy({ host: '127.0.0.1', port: redis.port });
      celery.worker('w1', ['celery', 'projections']);
      w2 = celery.worker('w2', ['celery']);
      const r = await until({ kind: 'celery', broker }, alive(2), 80);
      expect(r.value).toBe(2);
    });
    afterAll(async () => {
      await celery?.stopAll();
      await proxy?.close();
    });

    it.sequential('counts live workers per queue they consume', async ({ expect }) => {
      const r = await runConfig({
        kind: 'celery',
        broker,
        queues: ['projections', 'reports'],
        conditions: ['[WORKERS_ALIVE] == 2', '[WORKERS:projections] >= 1', '[WORKERS:celery] == 2', '[WORKERS:reports] == 0', '[WORKER_NAMES][0] == w1@opsbook-test'],
        warning: '[WORKERS:projections] < 2',
      });
      expect(verdicts(r)).toEqual({
        '[WORKERS_ALIVE] == 2': true, '[WORKERS:projections] >= 1': true, '[WORKERS:celery] == 2': true, '[WORKERS:reports] == 0': true,
        '[WORKER_NAMES][0] == w1@opsbook-test': true, '[WORKERS:projections] < 2': true,
      });
      expect(r).toMatchObject({ status: 'up', level: 'warning', value: 2 });
    });

    it.sequential('ends the broadcast as soon as every worker listening has answered, long before the reply window', async ({ expect }) => {
      const r = await runConfig({ kind: 'celery', broker, reply_window: '20s', timeout: '30s', conditions: ['[WORKERS_ALIVE] == 2'] });
      expect(r.status).toBe('up');
      expect(r.latencyMs).toBeLessThan(20_000);
    });

    it.sequential('fails for a queue nobody consumes, showing the count it saw', async ({ expect }) => {
      const r = await runConfig({ kind: 'celery', broker, queues: ['reports'], conditions: ['[WORKERS:reports] >= 1'] });
      expect(r.status).toBe('down');
      expect(r.conditions[0]).toMatchObject({ ok: false, actual: '0' });
    });

    it.sequential('reads active and reserved tasks and the waiting messages of a queue', async ({ expect }) => {
      await celery.python("from opsbook_celery_app import project\nfor _ in range(3): project.delay(60)");
      const r = await until({ kind: 'celery', broker, queues: ['projections'], conditions: ['[ACTIVE] == 1'] }, (x) => x.status === 'up');
      expect(r.conditions[0]).toMatchObject({ ok: true, actual: '1' });
      // Every one of the three tasks is somewhere: running, prefetched by the worker, or waiting in the list.
      const all = await runConfig({ kind: 'celery', broker, queues: ['projections'], conditions: ['[ACTIVE] >= 0', '[RESERVED] >= 0', '[LENGTH] >= 0'] });
      const n = all.conditions.map((c) => Number(c.actual));
      expect(n[0]! + n[1]! + n[2]!).toBe(3);
    });

    it.sequential('does not count a SIGSTOPped worker as alive, and counts it again after SIGCONT', async ({ expect }) => {
      w2.kill('SIGSTOP');
      try {
        const r = await runConfig({ kind: 'celery', broker, queues: ['celery'], conditions: ['[WORKERS_ALIVE] == 2', '[WORKERS:celery] >= 2'] });
        expect(r.status).toBe('down');
        expect(r.conditions.map((c) => c.actual)).toEqual(['1', '1']);
        expect(r.value).toBe(1);
      } finally {
        w2.kill('SIGCONT');
      }
      expect((await until({ kind: 'celery', broker }, alive(2))).value).toBe(2);
    });


    it.sequential('is down when a worker is killed (one fewer alive)', async ({ expect }) => {
      w2.kill('SIGKILL');
      const r = await until({ kind: 'celery', broker, conditions: ['[WORKERS_ALIVE] == 2'] }, (x) => x.conditions[0]?.actual === '1');
      expect(r.status).toBe('down');
      expect(r.conditions[0]).toMatchObject({ ok: false, actual: '1' });
    });

    it.sequential('is down when the broker closes the connection, and times out when it stalls', async ({ expect }) => {
      proxy.setMode('close');
      const closed = await runConfig({ kind: 'celery', broker: `redis://${proxy.address}/0` });
      proxy.setMode('stall');
      const stalled = await runConfig({ kind: 'celery', broker: `redis://${proxy.address}/0`, timeout: '500ms', reply_window: '100ms' });
      proxy.setMode('forward');
      expect(closed).toMatchObject({ status: 'down', conditions: [{ ok: false, actual: 'false' }, { ok: false }] });
      expect(closed.error).toBeTruthy();
      expect(stalled).toMatchObject({ status: 'down', error: 'timeout after 500ms' });
      expect((await runConfig({ kind: 'celery', broker: `redis://${proxy.address}/0` })).value).toBe(1);
    });
  });

  describe.concurrent('beat', () => {
    /** A test's own beats on database `db` of the private Redis, and that database's broker URL. */
    const beatsOn = (db: number): { celery: CeleryProcesses; broker: string } => {
      const broker = `${redis.url}/${db}`;
      return { celery: celeryProcesses(broker), broker };
    };
    /** Resolves at the first TICK announced on database `db`: a beat started there has its Python up and sends. */
    async function firstTick(db: number): Promise<void> {
      const sub = new Redis(redis.url);
      let timer: NodeJS.Timeout | undefined;
      try {
        const sent = new Promise<void>((resolve) => {
          sub.on('message', (_channel: string, raw: string) => {
            if ((decodeMessage(raw)?.body as { name?: string } | undefined)?.name === TICK) resolve();
          });
        });
        await sub.subscribe(fanoutChannel(db, 'celeryev', 'task.sent'));
        const bound = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no ${TICK} sent on database ${db} within the bound`)), scaled(60_000));
        });
        await Promise.race([sent, bound]);
        // Unsubscribed before it goes: a test counting the channel's subscribers then counts only its own.
        await sub.unsubscribe();
      } finally {
        clearTimeout(timer);
        sub.disconnect();
      }
    }

    it('counts a beat starved past its window (SIGSTOPped) once it sends again, and a stopped beat as none', async ({ expect }) => {
      const { celery, broker } = beatsOn(1);
      const starved = celery.beat();
      const check = compileCheck(checkSchema.parse({ id: 'beat-starved', kind: 'celery', broker, beat_tasks: [TICK], beat_window: '2500ms', reply_window: '200ms', timeout: '20s', conditions: ['[BEAT_INSTANCES] == 1'] }));
      const state: Record<string, unknown> = {};
      const clock = new SystemClock();
      const pause = (ms: number) => new Promise((res) => setTimeout(res, ms));
      try {
        let r = await runCheckOnce(check, { clock, state });
        for (let i = 0; i < 40 && r.status !== 'up'; i++) r = await runCheckOnce(check, { clock, state });
        expect(r.status).toBe('up');
        // Starved: no send for longer than the window, then the beat runs again a second into the next run.
        starved.kill('SIGSTOP');
        await pause(3_000);
        const resume = setTimeout(() => starved.kill('SIGCONT'), 1_000);
        try {
          r = await runCheckOnce(check, { clock, state });
        } finally {
          clearTimeout(resume);
          starved.kill('SIGCONT');
        }
        expect(r.conditions[0]).toMatchObject({ ok: true, actual: '1' });
        // Stopped for good: the grace passes with no send, and the verdict is none.
        starved.kill('SIGSTOP');
        await pause(3_000);
        r = await runCheckOnce(check, { clock, state });
        expect(r.status).toBe('down');
        expect(r.conditions[0]).toMatchObject({ ok: false, actual: '0' });
      } finally {
        releaseCheckState(check, state);
        await celery.stopAll();
      }
    }, scaled(120_000));

    it('counts two beats as two instances from their task-sent events, then one after a beat is killed', async ({ expect }) => {
      const { celery, broker } = beatsOn(2);
      const b1 = celery.beat();
      celery.beat();
      const watch = { kind: 'celery', broker, beat_tasks: [TICK], beat_window: '2500ms', timeout: '15s', conditions: ['[BEAT_INSTANCES] == 1'] };
      try {
        const two = await until(watch, (r) => r.conditions[0]?.actual === '2', 40);
        expect(two.status).toBe('down');
        expect(two.conditions[0]).toMatchObject({ ok: false, actual: '2' });
        b1.kill('SIGKILL');
        const one = await until({ ...watch, conditions: ['[BEAT_INSTANCES] == 1', `[LAST_SENT:${TICK}] < 1m`, `[PERIODIC_SENT:${TICK}] >= 1`] }, (r) => r.status === 'up', 40);
        expect(Object.values(verdicts(one))).toEqual([true, true, true]);
      } finally {
        await celery.stopAll();
      }
    }, scaled(180_000));

    it('keeps its beat watcher between runs: only the first run listens a whole window, and release unsubscribes it', async ({ expect }) => {
      const { celery, broker } = beatsOn(3);
      celery.beat();
      const check = compileCheck(checkSchema.parse({ id: 'beat-kept', kind: 'celery', broker, beat_tasks: [TICK], beat_window: '8s', timeout: '20s', conditions: ['[BEAT_INSTANCES] == 1', `[PERIODIC_SENT:${TICK}] >= 1`] }));
      const state: Record<string, unknown> = {};
      const clock = new SystemClock();
      const channel = fanoutChannel(3, 'celeryev', 'task.sent');
      const admin = new Redis(redis.url);
      const watchers = async (): Promise<number> => Number(((await admin.pubsub('NUMSUB', channel)) as [string, number])[1]);
      try {
        await firstTick(3);
        const before = await watchers();
        const first = await runCheckOnce(check, { clock, state });
        expect(first.status).toBe('up');
        expect(first.latencyMs).toBeGreaterThanOrEqual(8_000);
        const second = await runCheckOnce(check, { clock, state });
        expect(Object.values(verdicts(second))).toEqual([true, true]);
        expect(second.latencyMs).toBeLessThan(8_000);
        expect(await watchers()).toBe(before + 1);
        releaseCheckState(check, state);
        for (const end = Date.now() + scaled(10_000); (await watchers()) > before && Date.now() < end; ) await new Promise((res) => setTimeout(res, 100));
        expect(await watchers()).toBe(before);
      } finally {
        releaseCheckState(check, state);
        admin.disconnect();
        await celery.stopAll();
      }
    }, scaled(120_000));

    it('measures [LAST_SENT] on the simulated clock of the check: under the bound while beat sends, past it once beat stops', async ({ expect }) => {
      // The test beat sends TICK every second of real time; the check runs a simulated minute apart,
      // far faster than real time (as a game day's clock runs ahead of its compressed beat).
      const NEVER = 'opsbook_celery_app.never_scheduled';
      const { celery, broker } = beatsOn(4);
      const beat = celery.beat();
      const check = compileCheck(checkSchema.parse({
        id: 'beat-last-sent', kind: 'celery', broker, beat_tasks: [TICK, NEVER], beat_window: '2500ms', timeout: '15s',
        // The last two, with no unit, show the ages in ms.
        conditions: [`[LAST_SENT:${TICK}] < 2m`, `[LAST_SENT:${NEVER}] < 10m`, `[LAST_SENT:${TICK}] >= 0`, `[LAST_SENT:${NEVER}] >= 0`],
      }));
      const clock = new SimulatedClock(new SystemClock().now());
      const state: Record<string, unknown> = {};
      const ages = (r: CheckResult): number[] => r.conditions.slice(2).map((c) => Number(c.actual));
      try {
        await firstTick(4);
        const start = clock.now();
        for (let minute = 0; minute < 6; minute++) {
          const r = await runCheckOnce(check, { clock, state });
          expect(r.conditions[0]).toMatchObject({ ok: true });
          expect(ages(r)[0]).toBeLessThan(60_000);
          // A task never seen sent is as old as the check has listened, on the same clock.
          expect(ages(r)[1]).toBe(clock.now() - start);
          await clock.advance(60_000);
        }
        // Six simulated minutes have passed: NEVER is past its bound, TICK (sent) is not.
        const healthy = await runCheckOnce(check, { clock, state });
        expect(healthy.conditions.slice(0, 2).map((c) => c.ok)).toEqual([true, true]);
        await clock.advance(5 * 60_000);
        const late = await runCheckOnce(check, { clock, state });
        expect(late.conditions[1]!.ok).toBe(false);
        expect(ages(late)[1]).toBe(11 * 60_000);

        beat.kill('SIGKILL');
        // Sends still in the (real) window a run reads count as at most that old, until it has passed;
        // then TICK ages a simulated minute a run (each such run also listens its grace of two real
        // windows for a send that never comes). A generous bound, left as soon as it fails.
        let r = await runCheckOnce(check, { clock, state });
        let okAfterStop = 0;
        for (let i = 0; i < 240 && r.conditions[0]!.ok; i++) {
          if (ages(r)[0]! >= 60_000) okAfterStop++;
          await new Promise((res) => setTimeout(res, 250));
          await clock.advance(60_000);
          r = await runCheckOnce(check, { clock, state });
        }
        expect(r.status).toBe('down');
        expect(r.conditions[0]!.ok).toBe(false);
        // Not failed early: a run saw TICK a minute or more old and still under its bound.
        expect(okAfterStop).toBeGreaterThan(0);
        const stopped = ages(r)[0]!;
        expect(stopped).toBeGreaterThanOrEqual(120_000);
        expect(stopped).toBeLessThan(180_000);
        // No send since: the age is the simulated time that passed, to the millisecond.
        await clock.advance(7 * 60_000);
        expect(ages(await runCheckOnce(check, { clock, state }))[0]).toBe(stopped + 7 * 60_000);
      } finally {
        releaseCheckState(check, state);
        await celery.stopAll();
      }
    }, scaled(180_000));
  });
});

describe('celery kind options', () => {
  it('rejects a non-Redis broker and windows longer than the timeout, with their place', async () => {
    const r = await load('ops.yaml', `
checks:
  - { id: workers, kind: celery, broker: "amqp://guest@127.0.0.1//" }
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]).toMatchObject({ path: 'checks[0].broker', line: 3, message: expect.stringMatching(/redis:\/\/ .*broker URL/) });
    const r2 = await load('ops2.yaml', `
checks:
  - id: beat
    kind: celery
    broker: redis://127.0.0.1:6379/0
    beat_tasks: [ledger.tasks.close_day]
    beat_window: 70s
    timeout: 30s
`);
    expect(r2.ok).toBe(false);
    if (r2.ok) return;
    expect(r2.issues[0]).toMatchObject({ path: 'checks[0]', line: 3, message: expect.stringMatching(/timeout must be longer than reply_window \+ beat_window/) });
    const r3 = await load('ops3.yaml', `
checks:
  - { id: beat, kind: celery, broker: "redis://127.0.0.1:6379/0", beat_tasks: [x.y] }
`);
    expect(r3.ok).toBe(false);
    if (r3.ok) return;
    expect(r3.issues[0]!.message).toMatch(/beat_tasks and beat_window go together/);
  });
});
