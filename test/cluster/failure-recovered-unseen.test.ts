/**
 * A holder whose pipeline is far behind (held here) stores a check's failure and its recovery, the
 * settled state `down` and then `up`, before its rules saw either; then its partition passes to
 * another process with both results still queued (a new incarnation under the same
 * `storage.cluster.member` takes its leases at once, under new epochs, as after a kill). The new
 * holder must find the stored settled state `down`, catch its rules up with it and page the outage,
 * then resolve it after the check's good runs. A holder that stops cleanly instead evaluates both
 * while it drains, and stores the settled state `up` under its lease before it gives the partition
 * back: the next holder pages nothing more.
 *
 * Two daemons in-process, each on its own simulated clock, on a fresh PostgreSQL database with two
 * partitions; a loopback target told when to fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionLease } from '../../src/cluster/index.js';
import { openStore, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { createMigratedTestDatabase } from '../support/migrated-database.js';
import { postgresUp } from '../support/services.js';
import { idInPartition } from '../support/cluster-daemon.js';
import { daemonOnClock, minuteNow } from '../support/simulated-daemon.js';
import { startStatusServer, type StatusServer } from '../support/net.js';
import { scaled, until } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 2;
const INTERVAL = 10_000;
const api = idInPartition(PARTITIONS, 0, 'api');

/**
 * Registers a suite's hooks: a fresh database and a target before its tests, everything closed after.
 * `start` runs a daemon of member `node-a` on its own simulated clock from `at`.
 */
function world(name: string) {
  let db: ScratchDatabase | undefined;
  let store: Store | undefined;
  let target: StatusServer | undefined;
  let config = '';
  const cleanups: (() => Promise<unknown>)[] = [];
  const w = {
    healthy: true,
    cleanups,
    get store() {
      return store!;
    },
    async start(at: number) {
      const d = await daemonOnClock(name, config, at, cleanups);
      return { ...d, leases: () => [...(d.app.daemon.cluster?.leases.keys() ?? [])].sort() };
    },
    incidents: () => store!.db.selectFrom('incidents').select(['id', 'state']).orderBy('opened_at').execute(),
    settled: async () => Number((await store!.db.selectFrom('check_keys').select('settled_status').where('check_id', '=', api).executeTakeFirst())?.settled_status),
    latestStored: async () =>
      Number((await store!.db.selectFrom('check_results as r').innerJoin('check_keys as k', 'k.key', 'r.check_key').select((eb) => eb.fn.max('r.at').as('at')).where('k.check_id', '=', api).executeTakeFirst())?.at ?? 0),
  };

  beforeAll(async () => {
    db = await createMigratedTestDatabase(`opsbook_${name.replace(/-/g, '_')}`);
    store = await openStore({ url: db.url });
    await store.migrate();
    target = await startStatusServer(() => (w.healthy ? 200 : 500));
    config = `storage:\n  url: "${db.url}"\n  cluster: { lease: 5m, partitions: ${PARTITIONS}, member: node-a }\nchecks:\n  - { id: ${api}, kind: http, url: "${target.url}/health", interval: 10s, timeout: 5s, failure_threshold: 2, success_threshold: 2 }\n`;
  }, scaled(60_000));

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    await store?.close();
    await target?.close();
    await db?.drop();
  }, scaled(60_000));
  return w;
}

/** A holder whose check settled up, failed and recovered while its pipeline was held: both stored, neither evaluated. */
async function failAndRecoverUnseen(w: ReturnType<typeof world>) {
  const first = await w.start(minuteNow());
  expect(first.leases()).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
  await first.runFor(3 * INTERVAL);
  expect(first.ops().checkState(api)?.probe.status).toBe('up');

  const release = first.ops().holdPipeline();
  w.healthy = false;
  await first.probeFor(2 * INTERVAL);
  expect(first.ops().checkState(api)?.probe.status).toBe('down');
  w.healthy = true;
  await first.probeFor(2 * INTERVAL);
  expect(first.ops().checkState(api)?.probe.status).toBe('up');
  await first.probeFor(2_000);
  const latest = first.ops().checkState(api)!.result.at;
  await until('the latest run stored', async () => (await w.latestStored()) >= latest, scaled(10_000));
  expect(await w.incidents(), 'incidents while the pipeline is held').toEqual([]);
  return { first, release };
}

describe.skipIf(!pgUp)('a failure and its recovery stored but not evaluated when the partition moves', () => {
  const w = world('failure-recovered-move');

  it('pages the outage from the new holder', async () => {
    const { first, release } = await failAndRecoverUnseen(w);
    // Let go at the end, once the new holder has closed: what it evaluates then, fencing refuses.
    w.cleanups.push(async () => release());

    // The partition moves with both results queued: a new incarnation of the member takes its leases.
    const next = await w.start(first.clock.now());
    expect(next.leases()).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
    await next.ops().settle(scaled(5_000));
    expect(await w.incidents(), 'incidents once the partition moved, before the new holder\'s first run').toEqual([{ id: expect.any(String), state: 'triggered' }]);
    await next.runFor(3 * INTERVAL);
    expect(next.ops().checkState(api)?.probe.status).toBe('up');
    expect((await w.incidents()).map((i) => i.state)).toEqual(['resolved']);
  }, scaled(120_000));
});

describe.skipIf(!pgUp)('a failure and its recovery stored but not evaluated when the holder stops cleanly', () => {
  const w = world('failure-recovered-stop');

  it('evaluates both while draining, stores the settled state up before giving the partition back, and the next holder pages nothing', async () => {
    const { first, release } = await failAndRecoverUnseen(w);
    expect(await w.settled(), 'the settled state stored while the rules have not seen the failure').toBe(1);
    // The stop begins (probing stops), then the pipeline drains under the leases.
    await first.ops().stopIntake();
    release();
    await first.app.close();
    expect((await w.incidents()).map((i) => i.state), 'the rules saw the failure, then the recovery').toEqual(['resolved']);
    expect(await w.settled(), 'the settled state stored at the stop').toBe(0);

    const next = await w.start(first.clock.now());
    await next.runFor(3 * INTERVAL);
    expect(next.ops().checkState(api)?.probe.status).toBe('up');
    expect((await w.incidents()).map((i) => i.state)).toEqual(['resolved']);
  }, scaled(120_000));
});
