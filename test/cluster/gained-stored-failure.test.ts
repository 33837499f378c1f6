/**
 * A partition gained whose check the previous holder stored down but never evaluated: its failed
 * run and the settled state `down` it caused are in the check's history, while the check's rule is
 * still inactive (the result waited in the previous holder's pipeline when the lease passed on, and
 * was dropped there, or the holder was killed between the two). By the time the partition is
 * gained the target has recovered. The gaining member opens the incident from the stored state,
 * under the partition's lease, before the check's own first run, and resolves it after
 * `success_threshold` good runs: the outage is paged, not only stored.
 *
 * One opsbook daemon (in-process, on a simulated clock) on a fresh PostgreSQL database with three
 * partitions, next to a second member written straight into the lease table that holds partitions 0
 * and 2 and stored the failure; then gives partition 0 back.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { partitionLease } from '../../src/cluster/index.js';
import { insertResults } from '../../src/store/index.js';
import { postgresUp } from '../support/services.js';
import { otherMemberHolding } from '../support/cluster.js';
import { clusterDaemon, clusterStorage, idInPartition, probeCheck } from '../support/cluster-daemon.js';
import { minuteNow } from '../support/simulated-daemon.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const INTERVAL = 10_000;
const OTHER = 'member_other';
const LONG = 10 * 60_000;
const t0 = minuteNow();

const api = idInPartition(PARTITIONS, 0, 'api');

describe.skipIf(!pgUp)('a partition gained whose check was stored down and never evaluated', () => {
  const cluster = clusterDaemon({
    prefix: 'gained-stored-failure',
    t0,
    probeTarget: true,
    before: async (store) => {
      await otherMemberHolding(store.db, OTHER, PARTITIONS, [0, 2], LONG);
      const epoch = Number((await store.db.selectFrom('cluster_leases').select('epoch').where('name', '=', partitionLease(0)).executeTakeFirstOrThrow()).epoch);
      // The previous holder's failed run, written with the settled state it caused, as its history writer writes them.
      await insertResults(store.db, [{ lease: { lease: partitionLease(0), epoch }, checkId: api, at: t0 - 15_000, down: true, level: 2, latencyMs: 5, error: 'HTTP 500', settled: { down: true, level: 2 } }], t0 - 15_000);
    },
    config: (url, target) => `${clusterStorage(url, PARTITIONS)}checks:\n${probeCheck(target, api, '10s', 'failure_threshold: 1, success_threshold: 2')}\n`,
  });
  const { ops, runFor, leases, movedTo } = cluster;
  const incidents = () => cluster.store.db.selectFrom('incidents').select(['state', 'title']).orderBy('opened_at').execute();

  it('opens the incident under the gained lease, then resolves it after the check\'s good runs', async () => {
    const { server } = cluster;
    expect(leases()).toEqual([partitionLease(1), 'singletons']);
    expect(await incidents()).toEqual([]);

    await cluster.giveBack(partitionLease(0), OTHER);
    server.daemon.cluster!.poke();
    await movedTo([partitionLease(0), partitionLease(1)]);
    expect(cluster.target.probes.filter((p) => p.path === api), 'probes of the check before the incident opened').toEqual([]);
    expect(await incidents(), 'incidents once partition 0 is gained').toEqual([{ state: 'triggered', title: expect.stringContaining(api) }]);
    const series = await cluster.store.db.selectFrom('alert_series').select(['rule_id', 'state']).execute();
    expect(series).toEqual([{ rule_id: `check:${api}`, state: 'firing' }]);

    await runFor(3 * INTERVAL);
    expect(ops().checkState(api)?.probe.status).toBe('up');
    expect((await incidents()).map((i) => i.state)).toEqual(['resolved']);
  }, scaled(120_000));
});

/**
 * The check's own results handed over by the previous holder at its stop are older than the stored
 * state (the newest stored result is among them): the catch-up goes behind them, not ahead with the
 * move. Handed over: two up runs, then the failed run that settled the check down (all stored). The
 * pipeline is busy with the first when the catch-up is queued (a lock the test holds on the rules'
 * state makes its write wait). The failed run fires the rule, and the catch-up, finding it firing,
 * fires nothing: one alert firing. Ahead of them, the catch-up would fire at the failed run's time,
 * the older up run resolve it, and the failed run fire it again: a second page for one failure.
 */
const handed = idInPartition(PARTITIONS, 0, 'handed');

describe.skipIf(!pgUp)('a partition gained with the check\'s results handed over and its stored state down', () => {
  const cluster = clusterDaemon({
    prefix: 'gained-stored-handed',
    t0,
    probeTarget: true,
    before: async (store) => {
      await otherMemberHolding(store.db, OTHER, PARTITIONS, [0, 2], LONG);
      const epoch = Number((await store.db.selectFrom('cluster_leases').select('epoch').where('name', '=', partitionLease(0)).executeTakeFirstOrThrow()).epoch);
      const lease = { lease: partitionLease(0), epoch };
      const runs = [
        { id: 'hand_up1', at: t0 - 35_000, failed: false },
        { id: 'hand_up2', at: t0 - 25_000, failed: false },
        { id: 'hand_down', at: t0 - 15_000, failed: true },
      ];
      await insertResults(
        store.db,
        runs.map((r, i) => ({ lease, checkId: handed, at: r.at, down: r.failed, level: r.failed ? 2 : 0, latencyMs: 5, ...(i === 0 || r.failed ? { settled: { down: r.failed, level: r.failed ? 2 : 0 } as const } : {}) })),
        t0 - 15_000,
      );
      await store.db.insertInto('cluster_handover').values(runs.map((r) => ({
        id: r.id, lease: partitionLease(0), epoch, check_id: handed, at: r.at,
        result: JSON.stringify({ checkId: handed, kind: 'http', at: r.at, status: r.failed ? 'down' : 'up', level: r.failed ? 'critical' : 'ok', latencyMs: 5, conditions: [] }),
        probe: JSON.stringify({ status: r.failed ? 'down' : 'up', level: r.failed ? 'critical' : 'ok', worseStreak: 0, betterStreak: 0, downStreak: r.failed ? 1 : 0, upStreak: r.failed ? 0 : 1 }),
      }))).execute();
    },
    config: (url, target) => `${clusterStorage(url, PARTITIONS)}checks:\n${probeCheck(target, handed, '10s', 'failure_threshold: 1, success_threshold: 1')}\n`,
  });
  const firings = () =>
    cluster.store.db.selectFrom('incident_timeline').select('text').where('kind', '=', 'alert').where('text', 'like', 'alert firing%').execute();

  it('evaluates the handed-over results first: the rule fires once', async () => {
    const { server, store } = cluster;
    cluster.target.failing.add(handed);
    // Writes of the rules' state wait (reads do not) until the catch-up is queued.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = store.db.transaction().execute(async (trx) => {
      await sql`lock table alert_series in exclusive mode`.execute(trx);
      locked();
      await released;
    });
    try {
      await isLocked;
      await cluster.giveBack(partitionLease(0), OTHER);
      server.daemon.cluster!.poke();
      await expect.poll(cluster.leases, { timeout: scaled(30_000), interval: 50 }).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
      // The move the gain began (its rules read, its checks added: the catch-up queued), not another,
      // whose urgent step would wait behind the write held up.
      await cluster.ops().workMoved();
    } finally {
      release();
      await holding;
    }
    await cluster.ops().idle();
    await cluster.runFor(2 * INTERVAL);
    expect(cluster.ops().checkState(handed)?.probe.status).toBe('down');
    expect(await firings()).toEqual([{ text: expect.stringContaining(handed) }]);
  }, scaled(120_000));
});
