/**
 * A rule's timers (`for:` elapsed, `keep_firing_for` ran out) write under the lease the rule's state
 * was held under. One opsbook daemon (in-process, on a simulated clock) holds both partitions of a
 * fresh PostgreSQL database; another member takes partition 1 behind its back (the daemon has not
 * looked yet). The timers then fall due: the rule of partition 0 fires and opens its incident; those
 * of partition 1 are refused by fencing in their own transaction — a pending `for:` opens nothing,
 * an ended `keep_firing_for` resolves nothing — and their state in the store stays as it was.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { partitionOf, partitionLease } from '../../src/cluster/index.js';
import { phaseOf } from '../../src/checks/scheduler/plan.js';
import { openStore, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { createTestDatabase, postgresUp } from '../support/services.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { startProbeTarget, type ProbeTarget } from '../support/probe-target.js';

const pgUp = await postgresUp();
const PARTITIONS = 2;
const INTERVAL = 10 * 60_000;
const TICK = 50;
const OTHER = 'member_other';
const phase = (id: string) => phaseOf(id, INTERVAL, TICK);

/** The first id `${prefix}N` in partition `p` whose phase meets `near`. */
function idIn(p: number, prefix: string, near: (phase: number) => boolean = () => true): string {
  for (let k = 0; ; k++) {
    const id = `${prefix}${k}`;
    if (partitionOf(id, PARTITIONS) === p && near(phase(id))) return id;
  }
}
// Three checks run within 20 s of each other, so a timer set by one run falls due after all three ran.
const k = idIn(1, 'k', (p) => p < INTERVAL - 60_000);
const within = (p: number) => p >= phase(k) && p < phase(k) + 20_000;
const a = idIn(0, 'a', within);
const b = idIn(1, 'b', within);

describe.skipIf(!pgUp)('rule timers on a member that lost the partition', () => {
  let db: ScratchDatabase;
  let store: Store;
  let server: DaemonApp;
  let target: ProbeTarget;
  // Aligned to the interval: each check's runs are at t0 + phase, t0 + INTERVAL + phase, …
  const t0 = Math.floor(Date.now() / INTERVAL) * INTERVAL;
  const clock = new SimulatedClock(t0);
  const ops = () => server.daemon.operations!;
  const settle = (maxMs = 5_000) => ops().settle(maxMs);
  const runTo = async (at: number) => {
    await clock.advanceTo(at, () => settle());
    await settle();
  };
  const lastRun = () => t0 + INTERVAL + Math.max(phase(a), phase(b), phase(k)) + 1000;
  const incidentOf = async (ruleId: string) =>
    store.db.selectFrom('incidents').innerJoin('incident_alerts', 'incident_alerts.incident_id', 'incidents.id').select(['incidents.id', 'incidents.state']).where('incident_alerts.rule_id', '=', ruleId).executeTakeFirst();
  const storedState = async (ruleId: string) => (await store.db.selectFrom('alert_series').select('state').where('rule_id', '=', ruleId).executeTakeFirst())?.state;
  const rejections = async () => store.db.selectFrom('cluster_fencing').select(['lease', 'epoch', 'what']).where('outcome', '=', 'rejected').execute();

  beforeAll(async () => {
    db = await createTestDatabase('opsbook_rule_timers');
    store = await openStore({ url: db.url });
    await store.migrate();
    target = await startProbeTarget(clock);
    const check = (id: string) => `  - { id: ${id}, kind: http, url: "http://127.0.0.1:${target.port}/${id}", interval: 10m, timeout: 5s, failure_threshold: 1, success_threshold: 1 }`;
    server = await startDaemonApp(
      'rule-timers',
      {
        // A lease of 5 minutes: the daemon does not look at its leases by itself during the test.
        'ops.yaml': `storage:\n  url: "${db.url}"\n  cluster: { lease: 5m, partitions: ${PARTITIONS} }\nchecks:\n${[a, b, k].map(check).join('\n')}\nrules:\n  - { id: slow-a, check: ${a}, for: 60s }\n  - { id: slow-b, check: ${b}, for: 60s }\n  - { id: keep-k, check: ${k}, keep_firing_for: 60s }\n`,
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

  it('fires the kept partition\'s timer and refuses the lost partition\'s, in their transactions', async () => {
    expect([...server.daemon.cluster!.leases.keys()].sort()).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
    // First round: k fails and its rule fires at once.
    target.failing.add(k);
    await runTo(t0 + Math.max(phase(a), phase(b), phase(k)) + 1000);
    expect(await incidentOf('keep-k')).toMatchObject({ state: 'triggered' });
    // Second round: k recovers (keep_firing_for holds its alert 60 s), a and b fail (their `for:` waits 60 s).
    target.failing.delete(k);
    target.failing.add(a);
    target.failing.add(b);
    await runTo(lastRun());
    expect(await storedState('slow-a')).toBe('pending');
    expect(await storedState('slow-b')).toBe('pending');
    expect(await storedState('keep-k')).toBe('firing');
    const epoch = Number((await store.db.selectFrom('cluster_leases').select('epoch').where('name', '=', partitionLease(1)).executeTakeFirstOrThrow()).epoch);

    // Partition 1 passes to another member (as after the daemon's lease ran out); the daemon has not looked.
    await sql`update cluster_leases set holder = ${OTHER}, epoch = epoch + 1, expires_at = (extract(epoch from clock_timestamp()) * 1000)::bigint + 600000 where name = ${partitionLease(1)}`.execute(store.db);
    await runTo(lastRun() + 65_000);

    expect(await incidentOf('slow-a')).toMatchObject({ state: 'triggered' });
    expect(await incidentOf('slow-b')).toBeUndefined();
    expect(await incidentOf('keep-k')).toMatchObject({ state: 'triggered' });
    expect(await storedState('slow-b')).toBe('pending');
    expect(await storedState('keep-k')).toBe('firing');
    await expect.poll(async () => (await rejections()).some((r) => r.lease === partitionLease(1) && Number(r.epoch) === epoch), { timeout: 20_000 }).toBe(true);
  }, 120_000);

  it('drops the lost partition\'s rules at the move, and their timers fire no more', async () => {
    // The refusal made the daemon look: it holds partition 0 and the singletons, and its rules are theirs.
    await expect.poll(() => [...server.daemon.cluster!.leases.keys()].sort(), { timeout: 30_000, interval: 50 }).toEqual([partitionLease(0), 'singletons']);
    await ops().moveWork();
    await ops().idle();
    expect(ops().alerts.states().map((s) => s.ruleId)).toEqual(['slow-a']);
    const before = (await rejections()).length;
    target.failing.clear();
    await runTo(clock.now() + 5 * 60_000);
    expect((await rejections()).length).toBe(before);
    expect(await incidentOf('slow-b')).toBeUndefined();
  }, 120_000);
});
