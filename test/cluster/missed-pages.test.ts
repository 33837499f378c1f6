/**
 * Triggered incidents whose escalation could not start are paged by the holder of their partition,
 * fenced by that lease. One opsbook daemon (in-process, on a simulated clock) on a fresh PostgreSQL
 * database with three partitions, next to a second member written straight into the lease table
 * that holds partition 2. While the escalations table refuses rows (a real trigger), incidents are
 * opened by hand in every partition, unpaged. The other member then takes partition 0 behind the
 * daemon's back, and the fault is removed: the daemon's look for missed pages pages partition 1's
 * incidents only (partition 2 is not its own; partition 0's start is refused by fencing in its
 * transaction). Once the other member leaves, the daemon takes both and pages theirs, once each.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { partitionOf, partitionLease } from '../../src/cluster/index.js';
import { leaveCluster, openStore, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { createTestDatabase, postgresUp } from '../support/services.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { otherMemberHolding } from '../support/cluster.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const OTHER = 'member_other';
const LONG = 10 * 60_000;
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

describe.skipIf(!pgUp)('missed pages, paged by the holder of their partition', () => {
  let db: ScratchDatabase;
  let store: Store;
  let server: DaemonApp;
  const t0 = Math.floor(Date.now() / 60_000) * 60_000;
  const clock = new SimulatedClock(t0);
  const ops = () => server.daemon.operations!;
  const runFor = async (ms: number) => {
    await clock.advance(ms, () => ops().settle(5_000));
    await ops().settle(5_000);
  };
  const leases = () => [...(server.daemon.cluster?.leases.keys() ?? [])].sort();
  const opened = new Map<string, number>();
  const inPartition = (p: number) => [...opened].filter(([, q]) => q === p).map(([id]) => id);
  const pages = async () => {
    const out: Record<string, { escalations: number; paged: number }> = {};
    for (const id of opened.keys()) {
      const escalations = await store.db.selectFrom('escalations').select('incident_id').where('incident_id', '=', id).execute();
      const paged = await store.db.selectFrom('outbox').select('id').where('incident_id', '=', id).where('event', '=', 'incident.triggered').execute();
      out[id] = { escalations: escalations.length, paged: paged.length };
    }
    return out;
  };
  const expected = (of: (p: number) => { escalations: number; paged: number }) => Object.fromEntries([...opened].map(([id, p]) => [id, of(p)]));

  beforeAll(async () => {
    db = await createTestDatabase('opsbook_missed_pages');
    store = await openStore({ url: db.url });
    await store.migrate();
    await otherMemberHolding(store.db, OTHER, PARTITIONS, [2], LONG);
    server = await startDaemonApp(
      'missed-pages',
      {
        'ops.yaml':
          `storage:\n  url: "${db.url}"\n  cluster: { lease: 5m, partitions: ${PARTITIONS} }\n` +
          // Port 9 (discard) refuses: the page stays in the outbox, retrying, which is all this test reads.
          `channels:\n  - { id: hook, kind: webhook, url: "http://127.0.0.1:9/hook", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }\n` +
          `escalation_policies:\n  - id: default\n    steps:\n      - { targets: [{ channel: hook }], timeout: 1h }\n`,
      },
      { clock },
    );
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await store?.close();
    await db?.drop();
  }, 60_000);

  it('pages only the incidents of the partitions it holds, under their leases, then those of the partitions it takes, once each', async () => {
    expect(leases()).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
    await runFor(60_000);
    await sql.raw(`create function refuse_escalations() returns trigger language plpgsql as $$ begin raise exception 'injected: escalations refused'; end $$`).execute(store.db);
    await sql.raw('create trigger refuse_escalations before insert on escalations for each row execute function refuse_escalations()').execute(store.db);
    for (let k = 0; [0, 1, 2].some((p) => inPartition(p).length === 0); k++) {
      const incident = await ops().createIncident({ title: `down ${k}`, severity: 'P1', service: 'api' }, ana);
      opened.set(incident.id, partitionOf(incident.id, PARTITIONS));
    }
    expect(await pages()).toEqual(expected(() => ({ escalations: 0, paged: 0 })));

    // The other member takes partition 0 (as after the daemon's lease ran out); the daemon has not looked.
    const p0 = partitionLease(0);
    await sql`update cluster_leases set holder = ${OTHER}, epoch = epoch + 1, expires_at = (extract(epoch from clock_timestamp()) * 1000)::bigint + ${LONG} where name = ${p0}`.execute(store.db);
    await sql.raw('drop trigger refuse_escalations on escalations').execute(store.db);
    await sql.raw('drop function refuse_escalations()').execute(store.db);
    await runFor(3 * 60_000);
    expect(await pages()).toEqual(expected((p) => (p === 1 ? { escalations: 1, paged: 1 } : { escalations: 0, paged: 0 })));
    const refused = async () => (await store.db.selectFrom('cluster_fencing').select(['lease', 'what']).where('outcome', '=', 'rejected').execute()).map((r) => `${r.lease} ${r.what}`);
    await expect.poll(refused, { timeout: 20_000 }).toContain(`${p0} escalation start`);

    // The other member leaves: the daemon takes partitions 0 and 2 and pages their incidents.
    await leaveCluster(store.db, OTHER);
    server.daemon.cluster!.poke();
    await expect.poll(leases, { timeout: 30_000, interval: 50 }).toEqual([partitionLease(0), partitionLease(1), partitionLease(2), 'singletons']);
    await ops().moveWork();
    await ops().idle();
    await runFor(3 * 60_000);
    expect(await pages()).toEqual(expected(() => ({ escalations: 1, paged: 1 })));
    await runFor(5 * 60_000);
    expect(await pages()).toEqual(expected(() => ({ escalations: 1, paged: 1 })));
  }, 120_000);
});
