/**
 * A rule's timers (`for:` elapsed, `keep_firing_for` ran out) write under the lease the rule's state
 * was held under. One opsbook daemon (in-process, on a simulated clock) holds both partitions of a
 * fresh PostgreSQL database; another member takes partition 1 behind its back (the daemon has not
 * looked yet). The timers then fall due: the rule of partition 0 fires and opens its incident; those
 * of partition 1 are refused by fencing in their own transaction — a pending `for:` opens nothing,
 * an ended `keep_firing_for` resolves nothing — and their state in the store stays as it was.
 */
import { describe, expect, it } from 'vitest';
import { partitionLease } from '../../src/cluster/index.js';
import { phaseOf } from '../../src/checks/scheduler/plan.js';
import { postgresUp } from '../support/services.js';
import { clusterDaemon, clusterStorage, idInPartition, probeCheck } from '../support/cluster-daemon.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 2;
const INTERVAL = 10 * 60_000;
const TICK = 50;
const OTHER = 'member_other';
const phase = (id: string) => phaseOf(id, INTERVAL, TICK);

// Three checks run within 20 s of each other, so a timer set by one run falls due after all three ran.
const k = idInPartition(PARTITIONS, 1, 'k', (id) => phase(id) < INTERVAL - 60_000);
const within = (id: string) => phase(id) >= phase(k) && phase(id) < phase(k) + 20_000;
const a = idInPartition(PARTITIONS, 0, 'a', within);
const b = idInPartition(PARTITIONS, 1, 'b', within);

describe.skipIf(!pgUp)('rule timers on a member that lost the partition', () => {
  const cluster = clusterDaemon({
    prefix: 'rule-timers',
    // Aligned to the interval: each check's runs are at t0 + phase, t0 + INTERVAL + phase, …
    t0: Math.floor(Date.now() / INTERVAL) * INTERVAL,
    probeTarget: true,
    config: (url, target) => {
      const check = (id: string) => probeCheck(target, id, '10m', 'failure_threshold: 1, success_threshold: 1');
      // A lease of 5 minutes: the daemon does not look at its leases by itself during the test.
      return `${clusterStorage(url, PARTITIONS)}checks:\n${[a, b, k].map(check).join('\n')}\nrules:\n  - { id: slow-a, check: ${a}, for: 60s }\n  - { id: slow-b, check: ${b}, for: 60s }\n  - { id: keep-k, check: ${k}, keep_firing_for: 60s }\n`;
    },
  });
  const { clock, t0, ops, runTo } = cluster;
  const lastRun = () => t0 + INTERVAL + Math.max(phase(a), phase(b), phase(k)) + 1000;
  const incidentOf = async (ruleId: string) =>
    cluster.store.db.selectFrom('incidents').innerJoin('incident_alerts', 'incident_alerts.incident_id', 'incidents.id').select(['incidents.id', 'incidents.state']).where('incident_alerts.rule_id', '=', ruleId).executeTakeFirst();
  const storedState = async (ruleId: string) => (await cluster.store.db.selectFrom('alert_series').select('state').where('rule_id', '=', ruleId).executeTakeFirst())?.state;
  const rejections = async () => cluster.store.db.selectFrom('cluster_fencing').select(['lease', 'epoch', 'what']).where('outcome', '=', 'rejected').execute();

  it('fires the kept partition\'s timer and refuses the lost partition\'s, in their transactions', async () => {
    const { server, target } = cluster;
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
    const epoch = await cluster.epochOf(partitionLease(1));

    // Partition 1 passes to another member (as after the daemon's lease ran out); the daemon has not looked.
    await cluster.takeBehindItsBack(partitionLease(1), OTHER, 600_000);
    await runTo(lastRun() + 65_000);

    expect(await incidentOf('slow-a')).toMatchObject({ state: 'triggered' });
    expect(await incidentOf('slow-b')).toBeUndefined();
    expect(await incidentOf('keep-k')).toMatchObject({ state: 'triggered' });
    expect(await storedState('slow-b')).toBe('pending');
    expect(await storedState('keep-k')).toBe('firing');
    await expect.poll(async () => (await rejections()).some((r) => r.lease === partitionLease(1) && Number(r.epoch) === epoch), { timeout: scaled(20_000) }).toBe(true);
  }, scaled(120_000));

  it('drops the lost partition\'s rules at the move, and their timers fire no more', async () => {
    const { target } = cluster;
    // The refusal made the daemon look: it holds partition 0 and the singletons, and its rules are theirs.
    await cluster.movedTo([partitionLease(0)]);
    expect(ops().alerts.states().map((s) => s.ruleId)).toEqual(['slow-a']);
    const before = (await rejections()).length;
    target.failing.clear();
    await runTo(clock.now() + 5 * 60_000);
    expect((await rejections()).length).toBe(before);
    expect(await incidentOf('slow-b')).toBeUndefined();
  }, scaled(120_000));
});
