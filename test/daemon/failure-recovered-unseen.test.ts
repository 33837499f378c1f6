/**
 * A failure and its recovery both stored before the rules saw either: the pipeline is far behind
 * its checks (held here), the check settles down and then up again, and the history writer stores
 * both results. Killed then, the process leaves behind a failure nobody was paged for; the stored
 * settled state must still say `down`, so that the next process catches its rules up with it and
 * pages the outage (then resolves it after the check's good runs). Left running, the pipeline
 * evaluates both results and the settled state `up` is stored after it: nothing stays `down`.
 *
 * One daemon on SQLite, a simulated clock per process, a loopback target told when to fail; the
 * first process is abandoned without a stop (as after SIGKILL: its clock never moves again).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { storeTarget } from '../support/store-targets.js';
import { daemonOnClock, minuteNow } from '../support/simulated-daemon.js';
import { startStatusServer, type StatusServer } from '../support/net.js';
import { scaled, until } from '../support/timing.js';

const INTERVAL = 10_000;

describe('a failure and its recovery stored before the rules saw either', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  }, scaled(60_000));

  let healthy = true;
  let target: StatusServer;
  let config = '';

  const setUp = async () => {
    healthy = true;
    target = await startStatusServer(() => (healthy ? 200 : 500));
    cleanups.push(() => target.close());
    const db = await storeTarget('opsbook-failure-recovered', 'sqlite', { migrated: true }).open();
    cleanups.push(db.cleanup);
    config = `storage:\n  url: "${db.url}"\nchecks:\n  - { id: api, kind: http, url: "${target.url}/health", interval: 10s, timeout: 5s, failure_threshold: 2, success_threshold: 2 }\n`;
  };

  /** An opsbook on its own simulated clock from `at`. */
  const start = async (at: number) => {
    const d = await daemonOnClock('failure-recovered', config, at, cleanups);
    const { app, ops } = d;
    const db = () => app.daemon.store.db;
    return {
      ...d,
      incidents: () => db().selectFrom('incidents').select(['id', 'state']).orderBy('opened_at').execute(),
      settled: async () => (await db().selectFrom('check_keys').select('settled_status').where('check_id', '=', 'api').executeTakeFirst())?.settled_status,
      /** Waits until the history holds the check's latest run (results are written a flush interval apart, in real time). */
      stored: async () => {
        const latest = ops().checkState('api')!.result.at;
        await until('the latest run stored', async () => {
          const row = await db().selectFrom('check_results as r').innerJoin('check_keys as k', 'k.key', 'r.check_key').select((eb) => eb.fn.max('r.at').as('at')).where('k.check_id', '=', 'api').executeTakeFirst();
          return Number(row?.at ?? 0) >= latest;
        }, scaled(10_000));
      },
    };
  };

  /** A first process whose check settled up, failed and recovered while its pipeline was held: both stored, neither evaluated. */
  const failAndRecoverUnseen = async () => {
    const first = await start(minuteNow());
    await first.runFor(3 * INTERVAL);
    expect(first.ops().checkState('api')?.probe.status).toBe('up');
    const release = first.ops().holdPipeline();
    healthy = false;
    await first.probeFor(2 * INTERVAL);
    expect(first.ops().checkState('api')?.probe.status).toBe('down');
    healthy = true;
    await first.probeFor(2 * INTERVAL);
    expect(first.ops().checkState('api')?.probe.status).toBe('up');
    // A flush interval more, for the results buffered since.
    await first.probeFor(2_000);
    await first.stored();
    expect(await first.incidents(), 'incidents while the pipeline is held').toEqual([]);
    return { first, release };
  };

  it('pages the outage from the next process when the first is killed with both results unevaluated', async () => {
    await setUp();
    const { first, release } = await failAndRecoverUnseen();
    // Killed: the first writes nothing more. Its pipeline is let go only at the test's end, once the next process has closed.
    cleanups.push(async () => release());

    const next = await start(first.clock.now());
    await next.ops().settle(scaled(5_000));
    expect(await next.incidents(), 'incidents after the restart, before its first run').toEqual([{ id: expect.any(String), state: 'triggered' }]);
    await next.runFor(3 * INTERVAL);
    expect(next.ops().checkState('api')?.probe.status).toBe('up');
    expect((await next.incidents()).map((i) => i.state)).toEqual(['resolved']);
  }, scaled(120_000));

  it('stores the settled state up once the rules have seen the failure, and a restart pages nothing more', async () => {
    await setUp();
    const { first, release } = await failAndRecoverUnseen();
    expect(Number(await first.settled()), 'the settled state stored while the rules have not seen the failure').toBe(1);
    release();
    await first.ops().settle(scaled(5_000));
    expect((await first.incidents()).map((i) => i.state), 'the rules saw the failure, then the recovery').toEqual(['resolved']);
    // Written by the history's next write after the rules saw the failure.
    await until('the settled state up stored', async () => Number(await first.settled()) === 0, scaled(10_000));

    await first.app.restart();
    await first.runFor(3 * INTERVAL);
    expect(first.ops().checkState('api')?.probe.status).toBe('up');
    expect((await first.incidents()).map((i) => i.state)).toEqual(['resolved']);
  }, scaled(120_000));
});
