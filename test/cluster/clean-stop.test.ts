/**
 * A clean stop (what SIGTERM does) of a cluster member with check results still queued in its
 * pipeline. Daemons in-process on a fresh PostgreSQL database, their checks on a simulated clock;
 * the pipeline is held by the test taking the incident write lock (a transaction-level advisory
 * lock) on a connection of its own, so results queue behind a step that cannot finish — whatever
 * the machine's speed.
 *
 * - Within the drain bound: the member stops probing, goes on renewing its leases while the queued
 *   results are evaluated, opens their incidents, then frees its leases.
 * - Past the drain bound: the queued results (and the one in progress) are handed over to the next
 *   holder of their partitions, which evaluates them before its own runs: nothing is lost.
 */
import { sql, type Transaction } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { partitionLease, partitionOf } from '../../src/cluster/index.js';
import { INCIDENT_WRITE_LOCK } from '../../src/incidents/index.js';
import { leaveCluster, openStore, type Database, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { createMigratedTestDatabase } from '../support/migrated-database.js';
import { postgresUp } from '../support/services.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { startProbeTarget, type ProbeTarget } from '../support/probe-target.js';
import { otherMemberHolding } from '../support/cluster.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const CHECKS = ['c1', 'c2', 'c3', 'c4'];
const OTHER = 'member_other';
/** Three checks of partition 0. */
const IN_P0 = Array.from({ length: 40 }, (_, i) => `p${i}`).filter((id) => partitionOf(id, PARTITIONS) === 0).slice(0, 3);

describe.skipIf(!pgUp)('a clean stop with check results queued', () => {
  let db: ScratchDatabase | undefined;
  let store: Store | undefined;
  let target: ProbeTarget | undefined;
  const servers: DaemonApp[] = [];
  let unblock: (() => void) | undefined;
  const clock = new SimulatedClock(Math.floor(Date.now() / 60_000) * 60_000);

  afterEach(async () => {
    unblock?.();
    for (const s of servers.splice(0)) await s.close().catch(() => undefined);
    await store?.close();
    await target?.close();
    await db?.drop();
    [store, target, db, unblock] = [undefined, undefined, undefined, undefined];
  }, scaled(60_000));

  async function prepare(): Promise<Store> {
    db ??= await createMigratedTestDatabase('opsbook_clean_stop');
    if (!store) {
      store = await openStore({ url: db.url, poolSize: 3 });
      await store.migrate();
    }
    target ??= await startProbeTarget(clock);
    return store;
  }

  /** A member over a fresh database, running `ids`; every check fails, so each result opens an incident. */
  async function start(shutdown: string, lease: string, ids = CHECKS): Promise<DaemonApp> {
    await prepare();
    const checks = ids.map((id) => `  - { id: ${id}, kind: http, url: "http://127.0.0.1:${target!.port}/${id}", interval: 1m, timeout: 5s, failure_threshold: 1, success_threshold: 1 }`);
    const server = await startDaemonApp(
      'clean-stop',
      { 'ops.yaml': `server:\n  shutdown_timeout: ${shutdown}\nstorage:\n  url: "${db!.url}"\n  cluster: { lease: ${lease}, partitions: ${PARTITIONS} }\nchecks:\n${checks.join('\n')}\n` },
      { clock },
    );
    servers.push(server);
    return server;
  }

  /** Holds every incident write (the pipeline's first one waits on it) until `unblock()`. */
  async function blockIncidentWrites(): Promise<void> {
    let locked!: () => void;
    const taken = new Promise<void>((r) => (locked = r));
    const held = new Promise<void>((r) => (unblock = r));
    void store!.db.transaction().execute(async (trx: Transaction<Database>) => {
      await sql`select pg_advisory_xact_lock(${INCIDENT_WRITE_LOCK})`.execute(trx);
      locked();
      await held;
    });
    await taken;
  }

  /** Runs every check once (all failing) and waits until the pipeline's first incident write waits on the lock. */
  async function queueFailingResults(ids = CHECKS): Promise<void> {
    for (const id of ids) target!.failing.add(id);
    const from = target!.probes.length;
    await clock.advance(60_000, () => servers.at(-1)!.daemon.operations!.probesSettled(scaled(10_000)));
    await expect.poll(() => new Set(target!.probes.slice(from).map((p) => p.path)).size, { timeout: scaled(20_000) }).toBe(ids.length);
    await expect.poll(async () => Number((await sql<{ n: string }>`select count(*) as n from pg_locks where locktype = 'advisory' and not granted`.execute(store!.db)).rows[0]!.n), { timeout: scaled(20_000) }).toBe(1);
  }

  const incidentChecks = async () =>
    (await store!.db.selectFrom('incident_alerts').select('rule_id').execute()).map((r) => r.rule_id.replace(/^check:/, '')).sort();
  const holdersOf = async (names: string[]) => (await store!.db.selectFrom('cluster_leases').select(['name', 'holder']).where('name', 'in', names).orderBy('name').execute()).map((l) => l.holder);
  const leasesOf = async (member: string) =>
    sql<{ name: string; epoch: string; expires_at: string; now: string }>`select name, epoch, expires_at, (extract(epoch from clock_timestamp()) * 1000)::bigint as now from cluster_leases where holder = ${member} order by name`.execute(store!.db).then((r) => r.rows);

  it('renews its leases while it drains the queue, gives back at once those with nothing queued and takes none, opens every queued result\'s incident, then frees them', async () => {
    // Another member holds partition 2: the member's share is partitions 0 and 1 (and the singletons); its checks are all in 0.
    await otherMemberHolding((await prepare()).db, OTHER, PARTITIONS, [2], 10 * 60_000);
    // A 5 s lease, renewed every 1.7 s: with 3 s a loaded machine (load 14 and stress beside) lost it
    // before the checks ran, and no result was ever queued.
    const a = await start('2m', '5s', IN_P0);
    const member = a.daemon.cluster!.id;
    await blockIncidentWrites();
    await queueFailingResults(IN_P0);
    const before = await leasesOf(member);
    expect(before.map((l) => l.name)).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
    const closing = a.daemon.close();
    // Nothing of partition 1 is queued: it is given back at once, while partition 0 drains; the
    // singletons (leader-only work, stopped with the intake) go at once too.
    await expect.poll(async () => (await leasesOf(member)).map((l) => l.name), { timeout: scaled(30_000), interval: 100 }).toEqual([partitionLease(0)]);
    before.splice(1, 2);
    // The other member leaves while the drain waits: partition 2 is free too, and partitions 1 and 2 would be this member's share.
    await leaveCluster(store!.db, OTHER);
    /** Waits for a renewal round that began after now: each lease runs out later, under the same epoch. */
    const renewed = async () => {
      const from = await leasesOf(member);
      await expect
        .poll(async () => {
          const now = await leasesOf(member);
          return now.length === from.length && now.every((l, i) => l.epoch === before[i]!.epoch && Number(l.expires_at) > Number(from[i]!.expires_at) && Number(l.expires_at) > Number(l.now));
        }, { timeout: scaled(30_000), interval: 100 })
        .toBe(true);
    };
    // Two rounds: the first after the other left has ended (a round renews first, takes last) once the second renews.
    await renewed();
    await renewed();
    expect((await leasesOf(member)).map((l) => l.name)).toEqual([partitionLease(0)]);
    expect(await holdersOf([partitionLease(1), partitionLease(2), 'singletons'])).toEqual([null, null, null]);
    unblock!();
    await closing;
    expect(await incidentChecks()).toEqual(IN_P0);
    // Drained, then freed.
    expect(await leasesOf(member)).toEqual([]);
  }, scaled(120_000));

  it('past the drain bound, hands the queued results over to the next holder, which opens their incidents', async () => {
    // Past the bound the step in progress (waiting on the lock) gets a lease more before the member
    // leaves: 5 s, renewed every 1.7 s meanwhile.
    const a = await start('1s', '5s');
    const member = a.daemon.cluster!.id;
    await blockIncidentWrites();
    await queueFailingResults();
    const closing = a.daemon.close();
    // The bound passes with every result still queued (the first one waiting on the lock): the member leaves.
    await expect.poll(async () => (await leasesOf(member)).length, { timeout: scaled(60_000), interval: 100 }).toBe(0);
    unblock!();
    await closing;
    // The checks have recovered meanwhile: only the handed-over results can open the incidents.
    target!.failing.clear();
    const b = await start('10s', '10s');
    await expect.poll(() => [...b.daemon.cluster!.leases.keys()].sort(), { timeout: scaled(30_000) }).toEqual([partitionLease(0), partitionLease(1), partitionLease(2), 'singletons']);
    await expect.poll(incidentChecks, { timeout: scaled(30_000), interval: 100 }).toEqual(CHECKS);
  }, scaled(120_000));
});
