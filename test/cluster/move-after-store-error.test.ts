/**
 * A partition gained while the store cannot answer is not left unwatched. One opsbook daemon
 * (in-process, on a simulated clock) on a fresh PostgreSQL database with three partitions, next to a
 * second member written straight into the lease table that holds partitions 1 and 2: the daemon
 * starts with partition 0. The rules' state table is renamed away (every read of it fails: a real SQL error),
 * then the other member gives partition 1 back and the daemon takes it; the move of its work fails.
 * Once the table is back, the move is tried again: the daemon runs the checks of partition 1 and a
 * failing one opens its incident — not only at the next lease change.
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
/** Resolves once `ok` answers true, polling every 50 ms; throws after `timeoutMs`. */
async function until(what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await ok()); ) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const a = idIn(0, 'a');
const b = idIn(1, 'b');

describe.skipIf(!pgUp)('a partition gained while the store cannot answer', () => {
  let db: ScratchDatabase;
  let store: Store;
  let server: DaemonApp;
  let target: ProbeTarget;
  const clock = new SimulatedClock(Math.floor(Date.now() / 60_000) * 60_000);
  const ops = () => server.daemon.operations!;
  const runFor = async (ms: number) => {
    await clock.advance(ms, () => ops().settle(5_000));
    await ops().settle(5_000);
  };
  const incidentOf = async (checkId: string) =>
    store.db.selectFrom('incidents').innerJoin('incident_alerts', 'incident_alerts.incident_id', 'incidents.id').select(['incidents.state']).where('incident_alerts.rule_id', 'like', `%${checkId}%`).execute();

  beforeAll(async () => {
    db = await createTestDatabase('opsbook_move_error');
    store = await openStore({ url: db.url });
    await store.migrate();
    target = await startProbeTarget(clock);
    await otherMemberHolding(store.db, OTHER, PARTITIONS, [1, 2], LONG);
    const checks = [a, b].map((id) => `  - { id: ${id}, kind: http, url: "http://127.0.0.1:${target.port}/${id}", interval: 10s, timeout: 5s, failure_threshold: 1 }`);
    server = await startDaemonApp('move-error', { 'ops.yaml': `storage:\n  url: "${db.url}"\n  cluster: { lease: 3s, partitions: ${PARTITIONS} }\nchecks:\n${checks.join('\n')}\n` }, { clock });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await store?.close();
    await target?.close();
    await db?.drop();
  }, 60_000);

  it('moves the work of the partition gained once the store answers again', async () => {
    const p1 = partitionLease(1);
    expect([...server.daemon.cluster!.leases.keys()]).not.toContain(p1);
    await sql`alter table alert_series rename to alert_series_away`.execute(store.db);
    try {
      const epoch = Number((await store.db.selectFrom('cluster_leases').select('epoch').where('name', '=', p1).executeTakeFirstOrThrow()).epoch);
      await releaseLease(store.db, { lease: p1, epoch }, OTHER);
      await until('the daemon takes partition 1', () => server.daemon.cluster!.leases.has(p1), 30_000);
      // Its move reads the rules' state of partition 1, and fails.
      await ops().settle(5_000);
    } finally {
      await sql`alter table alert_series_away rename to alert_series`.execute(store.db);
    }
    target.failing.add(a);
    target.failing.add(b);
    await runFor(3 * INTERVAL);
    expect(ops().checkState(b)?.probe.status).toBe('down');
    expect({ a: await incidentOf(a), b: await incidentOf(b) }).toEqual({ a: [{ state: 'triggered' }], b: [{ state: 'triggered' }] });
  }, 120_000);
});
