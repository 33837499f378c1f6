/**
 * A check's settled probe state follows its partition. One opsbook daemon (in-process, on a
 * simulated clock) on a fresh PostgreSQL database with three partitions, next to a second member
 * written straight into the lease table. A check of partition 0 (failure_threshold 3, the default)
 * settles down and opens its incident; then the daemon loses partition 0 to the other member and
 * gets it back under a new epoch. Its first runs after the move keep the check down and the one
 * incident open: no resolve at the next run, no second incident (and page) three runs later.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { partitionOf, partitionLease } from '../../src/cluster/index.js';
import { openStore, releaseLease, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { createTestDatabase, postgresUp } from '../support/services.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { otherMemberHolding } from '../support/cluster.js';
import { startProbeTarget, type ProbeTarget } from '../support/probe-target.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const INTERVAL = 10_000;
const OTHER = 'member_other';
const LONG = 10 * 60_000;

function idIn(p: number, prefix: string): string {
  for (let k = 0; ; k++) if (partitionOf(`${prefix}${k}`, PARTITIONS) === p) return `${prefix}${k}`;
}
const api = idIn(0, 'api');

describe.skipIf(!pgUp)('a check settled down, across a lease move', () => {
  let db: ScratchDatabase;
  let store: Store;
  let server: DaemonApp;
  let target: ProbeTarget;
  const clock = new SimulatedClock(Math.floor(Date.now() / 60_000) * 60_000);
  const ops = () => server.daemon.operations!;
  const settle = (maxMs = 5_000) => ops().settle(maxMs);
  const runFor = async (ms: number) => {
    await clock.advance(ms, () => settle());
    await settle();
  };
  const leases = () => [...(server.daemon.cluster?.leases.keys() ?? [])].sort();
  const epochOf = async (lease: string) => Number((await store.db.selectFrom('cluster_leases').select('epoch').where('name', '=', lease).executeTakeFirstOrThrow()).epoch);
  const incidents = () => store.db.selectFrom('incidents').select(['id', 'state']).orderBy('opened_at').execute();
  const movedTo = async (want: string[]) => {
    await expect.poll(leases, { timeout: 30_000, interval: 50 }).toEqual([...want, 'singletons'].sort());
    await ops().moveWork();
    await ops().idle();
  };

  beforeAll(async () => {
    db = await createTestDatabase('opsbook_settled_move');
    store = await openStore({ url: db.url });
    await store.migrate();
    target = await startProbeTarget(clock);
    await otherMemberHolding(store.db, OTHER, PARTITIONS, [2], LONG);
    server = await startDaemonApp(
      'settled-move',
      {
        'ops.yaml': `storage:\n  url: "${db.url}"\n  cluster: { lease: 5m, partitions: ${PARTITIONS} }\nchecks:\n  - { id: ${api}, kind: http, url: "http://127.0.0.1:${target.port}/${api}", interval: 10s, timeout: 5s }\n`,
      },
      { clock },
    );
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await store?.close();
    await target?.close();
    await db?.drop();
  }, 60_000);

  it('keeps the check down and its one incident open through a loss and a regain of its partition', async () => {
    expect(leases()).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
    target.failing.add(api);
    await runFor(5 * INTERVAL);
    expect(ops().checkState(api)?.probe.status).toBe('down');
    const [opened, ...others] = await incidents();
    expect(others).toEqual([]);
    expect(opened!.state).toBe('triggered');

    // The other member takes partition 0 (as after the daemon's lease ran out), then gives it back.
    const p0 = partitionLease(0);
    await sql`update cluster_leases set holder = ${OTHER}, epoch = epoch + 1, expires_at = (extract(epoch from clock_timestamp()) * 1000)::bigint + ${LONG} where name = ${p0}`.execute(store.db);
    server.daemon.cluster!.poke();
    await movedTo([partitionLease(1)]);
    await runFor(2 * INTERVAL);
    const lost = await epochOf(p0);
    await releaseLease(store.db, { lease: p0, epoch: lost }, OTHER);
    server.daemon.cluster!.poke();
    await movedTo([p0, partitionLease(1)]);
    expect(await epochOf(p0)).toBeGreaterThan(lost);

    for (let i = 1; i <= 4; i++) {
      await runFor(INTERVAL);
      expect(await incidents(), `run ${i} after the move`).toEqual([{ id: opened!.id, state: 'triggered' }]);
      expect(ops().checkState(api)?.probe.status, `run ${i} after the move`).toBe('down');
    }

    target.failing.delete(api);
    await runFor(3 * INTERVAL);
    expect(ops().checkState(api)?.probe.status).toBe('up');
    expect(await incidents()).toEqual([{ id: opened!.id, state: 'resolved' }]);
  }, 120_000);
});
