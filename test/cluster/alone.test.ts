/**
 * A member knows whether it is alone in the cluster, and tells its work when that changes even though
 * no lease moved: the held pages look for other members' writes every third of a lease only while
 * another member shares the work (HeldPages.armReleaseTimer). One partition, so a second member
 * joining takes nothing from this one: only the change of company is told.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterCoordinator } from '../../src/cluster/index.js';
import { heartbeatMember, leaveCluster, openStore, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { createMigratedTestDatabase } from '../support/migrated-database.js';
import { postgresUp } from '../support/services.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

describe.skipIf(!pgUp)('a member alone in the cluster (PostgreSQL)', () => {
  let db: ScratchDatabase;
  let store: Store;
  let cluster: ClusterCoordinator;
  /** Each change told: whether it was alone then, and the leases it held. */
  const changes: Array<{ alone: boolean; held: string[] }> = [];

  beforeAll(async () => {
    db = await createMigratedTestDatabase('opsbook_cluster_alone');
    store = await openStore({ url: db.url });
    await store.migrate();
    // A lease of 10 minutes: the member looks again only when poked.
    cluster = new ClusterCoordinator({
      store,
      leaseMs: 10 * 60_000,
      partitions: 1,
      url: 'http://127.0.0.1:1',
      logger: quiet,
      onChange: (owned) => changes.push({ alone: cluster.alone, held: [...owned.keys()].sort() }),
    });
    await cluster.start();
  }, scaled(60_000));

  afterAll(async () => {
    await cluster?.stop();
    await store?.close();
    await db?.drop();
  }, scaled(60_000));

  it('is alone until another member shares the work, and says so when one joins or leaves', async () => {
    await expect.poll(() => cluster.leases.size, { timeout: scaled(20_000) }).toBe(2);
    expect(cluster.alone).toBe(true);
    const held = [...cluster.leases.keys()].sort();
    const told = changes.length;

    await heartbeatMember(store.db, { id: 'member_other', host: 'elsewhere', pid: 1, url: 'http://127.0.0.1:2', started_at: 0 }, 10 * 60_000);
    cluster.poke();
    await expect.poll(() => cluster.alone, { timeout: scaled(20_000) }).toBe(false);
    await expect.poll(() => changes.length, { timeout: scaled(20_000) }).toBe(told + 1);
    // Nothing moved: one partition, which it keeps; the change told is the company alone.
    expect(changes.at(-1)).toEqual({ alone: false, held });

    await leaveCluster(store.db, 'member_other');
    cluster.poke();
    await expect.poll(() => cluster.alone, { timeout: scaled(20_000) }).toBe(true);
    await expect.poll(() => changes.length, { timeout: scaled(20_000) }).toBe(told + 2);
    expect(changes.at(-1)).toEqual({ alone: true, held });
  }, scaled(90_000));
});
