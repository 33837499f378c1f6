/**
 * The pipeline's queue runs each job under the lease of the work that queued it, never under the
 * lease of the job that happened to start the queue draining. One member holds both partitions of a
 * fresh PostgreSQL database. A result of partition 0 is queued first and holds the queue; a result
 * of partition 1 and a person's action (no lease) are queued behind it. Partition 0 then passes to
 * another member behind this one's back. Each queued job makes a fenced write: the result of
 * partition 1 commits under partition 1's lease, the person's action commits unfenced, and only the
 * work of partition 0 is refused. Before, the jobs behind ran in the async context of the first
 * (`this.running ??= this.drain()`), so both wrote under partition 0's lease and fencing refused
 * them: two lost writes, and a write of partition 1 that passed only by partition 0's fence.
 *
 * The refusal makes the member look at its leases at once; that round, and the move of the work it
 * starts (`onChange`), run outside the refused write's lease: before, they ran under it, and so did
 * everything the move queued or armed.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterCoordinator, currentLease, partitionLease, runUnderLease } from '../../src/cluster/index.js';
import { WorkQueue } from '../../src/daemon/operations/work-queue.js';
import { openStore, type LeaseToken, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { createMigratedTestDatabase } from '../support/migrated-database.js';
import { postgresUp } from '../support/services.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

describe.skipIf(!pgUp)('the pipeline queue and the lease of each job (PostgreSQL)', () => {
  let db: ScratchDatabase;
  let store: Store;
  let cluster: ClusterCoordinator;
  /** The lease current when the member told of a change in what it holds, and what it holds then. */
  const changes: Array<{ lease: string | undefined; held: string[] }> = [];

  beforeAll(async () => {
    db = await createMigratedTestDatabase('opsbook_queue_context');
    store = await openStore({ url: db.url });
    await store.migrate();
    // A lease of 10 minutes: the member does not look at its leases again during the test.
    cluster = new ClusterCoordinator({
      store,
      leaseMs: 10 * 60_000,
      partitions: 2,
      url: 'http://127.0.0.1:1',
      logger: quiet,
      onChange: (owned) => changes.push({ lease: currentLease()?.lease, held: [...owned.keys()].sort() }),
    });
    await cluster.start();
  }, scaled(60_000));

  afterAll(async () => {
    await cluster?.stop();
    await store?.close();
    await db?.drop();
  }, scaled(60_000));

  /** A fenced write under the running work's lease: the lease it ran under, and whether fencing let it commit. */
  const fencedWrite = async (): Promise<{ lease: string | undefined; outcome: string }> => {
    const lease = currentLease()?.lease;
    try {
      await store.db.transaction().execute((trx) => cluster.fence(trx, 'queued job'));
      return { lease, outcome: 'committed' };
    } catch (e) {
      return { lease, outcome: (e as { code?: string }).code ?? String(e) };
    }
  };

  it('runs a job under the lease it was queued under, not the one that started the queue draining', async () => {
    const p0 = cluster.tokenOf(partitionLease(0))!;
    const p1 = cluster.tokenOf(partitionLease(1))!;
    expect(p0 && p1).toBeTruthy();
    const queue = new WorkQueue();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const queueUnder = (token: LeaseToken | undefined, job: () => Promise<{ lease: string | undefined; outcome: string }>) =>
      runUnderLease(token, async () => queue.push(job));
    // Partition 0's result starts the queue draining, and holds it.
    const first = queueUnder(p0, async () => {
      await gate;
      return fencedWrite();
    });
    const second = queueUnder(p1, fencedWrite);
    const action = queueUnder(undefined, fencedWrite);
    // Partition 0 passes on (another member took it) while the jobs wait.
    await sql`update cluster_leases set holder = 'member_other', epoch = epoch + 1 where name = ${partitionLease(0)}`.execute(store.db);
    open();
    const results = await Promise.all([first, second, action]);
    expect(results).toEqual([
      { lease: partitionLease(0), outcome: 'OPSBOOK_E_FENCED' },
      { lease: partitionLease(1), outcome: 'committed' },
      { lease: undefined, outcome: 'committed' },
    ]);
    // The refusal's round found partition 0 gone, outside the refused write's lease.
    await expect.poll(() => changes.at(-1), { timeout: scaled(30_000), interval: 20 }).toEqual({ lease: undefined, held: [partitionLease(1), 'singletons'] });
  }, scaled(60_000));
});
