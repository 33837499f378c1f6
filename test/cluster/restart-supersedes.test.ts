/**
 * A process restarted under the same `storage.cluster.member` name supersedes its previous
 * incarnation at once, on PostgreSQL, without any session-level state: the old incarnation's
 * membership ends (so the outbox rows it was sending fall due) and its leases pass to the new one
 * under new epochs (so whatever the old one still writes is refused by fencing) — not a lease later,
 * when the old membership would have lapsed. An old incarnation that is in fact still running gives
 * everything up at its next round and takes nothing again. Coordinators in-process; leases and
 * memberships are real rows judged by the database's clock; the name comes from `storage.cluster.member` (one
 * test with two daemons in-process).
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterStatus, ClusterCoordinator, partitionLease } from '../../src/cluster/index.js';
import { goneMember, holdAndMark, openStore, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { createMigratedTestDatabase } from '../support/migrated-database.js';
import { postgresUp } from '../support/services.js';
import { otherMemberHolding } from '../support/cluster.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 4;
/** Long: a membership or lease that lapsed cannot explain a takeover within the test. */
const LONG = 10 * 60_000;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const partitions = Array.from({ length: PARTITIONS }, (_, p) => partitionLease(p));

describe.skipIf(!pgUp)('a restart under the same member name (PostgreSQL)', () => {
  let db: ScratchDatabase | undefined;
  let store: Store | undefined;
  const members: ClusterCoordinator[] = [];
  const daemons: DaemonApp[] = [];

  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.close();
    for (const m of members.splice(0)) await m.stop();
    await store?.close();
    await db?.drop();
    [store, db] = [undefined, undefined];
  }, scaled(60_000));

  async function setUp(): Promise<Store> {
    db = await createMigratedTestDatabase('opsbook_restart');
    store = await openStore({ url: db.url, poolSize: 3 });
    await store.migrate();
    return store;
  }

  const member = (s: Store, name: string | undefined, leaseMs: number) => {
    const m = new ClusterCoordinator({ store: s, leaseMs, partitions: PARTITIONS, url: 'http://127.0.0.1:1', logger: quiet, ...(name !== undefined ? { name } : {}) });
    members.push(m);
    return m;
  };
  const leases = async (s: Store) => (await s.db.selectFrom('cluster_leases').select(['name', 'holder', 'epoch']).orderBy('name').execute()).map((l) => ({ ...l, epoch: Number(l.epoch) }));

  it('takes the dead previous incarnation\'s leases and rows over at once, under new epochs', async () => {
    const s = await setUp();
    // The previous incarnation of "node-a" died (SIGKILL) holding every partition; its rows have a lease to run.
    const old = 'member_old';
    await otherMemberHolding(s.db, old, PARTITIONS, [0, 1, 2, 3], LONG);
    await s.db.updateTable('cluster_members').set({ name: 'node-a' }).where('id', '=', old).execute();
    const before = await leases(s);

    const next = member(s, 'node-a', LONG);
    await next.start();
    expect([...next.leases.keys()].sort()).toEqual([...partitions, 'singletons']);
    const after = await leases(s);
    for (const p of partitions) {
      expect(after.find((l) => l.name === p)).toEqual({ name: p, holder: next.id, epoch: before.find((l) => l.name === p)!.epoch + 1 });
    }
    // Its membership is over: the outbox rows it was sending are due at once; what it writes under its epochs is refused.
    const gone = await sql<{ gone: boolean }>`select ${goneMember(sql.lit(old))} as gone`.execute(s.db);
    expect(gone.rows[0]!.gone).toBe(true);
    const admitted = await s.db.transaction().execute((trx) => holdAndMark(trx, old, before.filter((l) => partitions.includes(l.name)).map((l) => ({ lease: l.name, epoch: l.epoch }))));
    expect([...admitted]).toEqual([]);
    // Another name is not a restart: its leases stay where they are.
    const other = member(s, 'node-b', LONG);
    await other.start();
    expect([...other.leases.keys()]).toEqual([]);
  }, scaled(60_000));

  it('takes the name from storage.cluster.member; the superseded daemon says why it is not ready', async () => {
    const s = await setUp();
    const yaml = `storage:\n  url: "${db!.url}"\n  cluster: { lease: 3s, partitions: ${PARTITIONS}, member: node-d }\n`;
    const first = await startDaemonApp('restart-first', { 'ops.yaml': yaml });
    daemons.push(first);
    expect((await s.db.selectFrom('cluster_members').select(['id', 'name']).execute())).toEqual([{ id: first.daemon.cluster!.id, name: 'node-d' }]);
    const second = await startDaemonApp('restart-second', { 'ops.yaml': yaml });
    daemons.push(second);
    expect([...second.daemon.cluster!.leases.keys()].sort()).toEqual([...partitions, 'singletons']);
    await expect.poll(async () => (await first.daemon.readiness()).checks.cluster, { timeout: scaled(30_000), interval: 100 }).toMatchObject({ status: 'failing', detail: expect.stringMatching(/superseded/) });
    expect((await second.daemon.readiness()).status).toBe('ready');
    // `opsbook cluster status` and GET /api/cluster show it.
    const status = await clusterStatus(s, [], PARTITIONS);
    expect(status.members.find((m) => m.id === first.daemon.cluster!.id)).toMatchObject({ name: 'node-d', superseded_by: second.daemon.cluster!.id, alive: false, leases: [] });
  }, scaled(60_000));

  it('an old incarnation still running gives its leases up at its next round and takes none again', async () => {
    const s = await setUp();
    const first = member(s, 'node-c', 3000);
    await first.start();
    expect([...first.leases.keys()].sort()).toEqual([...partitions, 'singletons']);
    const second = member(s, 'node-c', 3000);
    await second.start();
    expect([...second.leases.keys()].sort()).toEqual([...partitions, 'singletons']);
    await expect.poll(() => first.status, { timeout: scaled(30_000), interval: 50 }).toMatchObject({ ok: false, reason: expect.stringMatching(/superseded/) });
    expect(first.leases.size).toBe(0);
    // Its rounds go on (every second here): it takes nothing back, and the new incarnation keeps everything under its epochs.
    const held = await leases(s);
    await new Promise((r) => setTimeout(r, 2500));
    expect(first.leases.size).toBe(0);
    expect(await leases(s)).toEqual(held);
  }, scaled(60_000));
});
