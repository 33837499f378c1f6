/**
 * A dead member's leases are taken over whole even while another member's row is still live but
 * quiet: one paused (SIGSTOP), or killed after it started and before it took a lease. Such a member
 * holds nothing and heartbeats no more; counted in the fair share, it held the survivor at a share
 * that left the dead member's partitions unprobed until its row ran out (a chaos run: a partition's
 * checks silent for 20 s at a 10 s interval). A member that joined and heartbeats every round is
 * still counted, and gets its share.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterCoordinator, partitionLease } from '../../src/cluster/index.js';
import { takingPart } from '../../src/cluster/coordinator.js';
import { acquireLease, ensureLeases, heartbeatMember, listMembers, openStore, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { createMigratedTestDatabase } from '../support/migrated-database.js';
import { postgresUp } from '../support/services.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const PARTITIONS = 4;
const LEASE_MS = 4000;
const partitionsHeld = (c: ClusterCoordinator) => [...c.leases.keys()].filter((l) => l.startsWith('checks/')).length;

describe('who takes part in the fair share', () => {
  const lease = (holder: string | null, expiresIn: number) => ({ holder, expires_at: 10_000 + expiresIn, now: 10_000 });
  it('counts itself, members holding a lease not run out, and members holding none that heartbeat within half a lease', () => {
    const members = [
      { id: 'self', heartbeat_at: 0 },
      { id: 'holder', heartbeat_at: 5_000 }, // its heartbeat is old, but its lease is good
      { id: 'joined', heartbeat_at: 9_000 }, // holds nothing, heartbeat 1 s ago
      { id: 'quiet', heartbeat_at: 7_000 }, // holds nothing, heartbeat 3 s ago: paused or dead
      { id: 'lapsed', heartbeat_at: 6_000 }, // its lease ran out
    ];
    const leases = [lease('holder', 500), lease('lapsed', -100), lease(null, -10_000)];
    expect(takingPart(members, leases, 'self', 4000)).toBe(3);
  });
});

describe.skipIf(!pgUp)('a dead member\'s leases beside a quiet one (PostgreSQL)', () => {
  let db: ScratchDatabase;
  let store: Store;
  const started: ClusterCoordinator[] = [];
  const coordinator = () => {
    const c = new ClusterCoordinator({ store, leaseMs: LEASE_MS, partitions: PARTITIONS, url: 'http://127.0.0.1:1', logger: quiet });
    started.push(c);
    return c;
  };

  beforeAll(async () => {
    db = await createMigratedTestDatabase('opsbook_cluster_quiet_member');
    store = await openStore({ url: db.url });
    await store.migrate();
  }, scaled(60_000));

  afterAll(async () => {
    for (const c of started) await c.stop();
    await store?.close();
    await db?.drop();
  }, scaled(60_000));

  it('takes every partition of the dead member while the quiet member\'s row is live, then shares with a member that joins', async () => {
    const member = (id: string) => ({ id, host: 'elsewhere', pid: 1, url: 'http://127.0.0.1:2', started_at: 1 });
    await ensureLeases(store.db, Array.from({ length: PARTITIONS }, (_, i) => partitionLease(i)));
    // The dead member: every partition, under a lease that runs out by itself; its row runs out with it.
    await heartbeatMember(store.db, member('member_dead'), LEASE_MS);
    for (let i = 0; i < PARTITIONS; i++) expect(await acquireLease(store.db, partitionLease(i), 'member_dead', LEASE_MS)).toBeDefined();
    // The quiet member: a row live for ten minutes, no lease, no heartbeat after this one.
    await heartbeatMember(store.db, member('member_quiet'), 10 * 60_000);

    const survivor = coordinator();
    await survivor.start();
    await expect.poll(() => partitionsHeld(survivor), { timeout: scaled(30_000), interval: 100 }).toBe(PARTITIONS);
    // Not because the quiet member's row ran out: it is live still.
    expect((await listMembers(store.db)).some((m) => m.id === 'member_quiet' && Number(m.expires_at) > Date.now())).toBe(true);

    // A member that joins heartbeats every round, holding nothing at first: it is counted, and takes its share.
    const joiner = coordinator();
    await joiner.start();
    await expect.poll(() => partitionsHeld(joiner), { timeout: scaled(30_000), interval: 100 }).toBe(PARTITIONS / 2);
    await expect.poll(() => partitionsHeld(survivor), { timeout: scaled(30_000), interval: 100 }).toBe(PARTITIONS / 2);
  }, scaled(120_000));
});
