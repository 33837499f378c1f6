/**
 * Escalate now on an incident of a partition another member holds: the person's action writes the
 * extra step's page itself, in its own transaction (a person's action is not fenced by a lease), as
 * the step's timeout would write it; the acknowledged incident is triggered again and its escalation
 * saved running from that step, whose timer the partition's holder runs. Before, the action made the
 * escalation's timer due and ran this process's driver, which leaves the rows of partitions it does
 * not hold to their holder: the escalation was stopped again before anyone ran it, and the
 * timeline said a step was paged that never was. One opsbook daemon (in-process, on a simulated
 * clock) on a fresh PostgreSQL database with three partitions, next to a second member written
 * straight into the lease table that holds partition 2.
 */
import { describe, expect, it } from 'vitest';
import { partitionOf, partitionLease } from '../../src/cluster/index.js';
import { postgresUp } from '../support/services.js';
import { otherMemberHolding } from '../support/cluster.js';
import { clusterDaemon, clusterStorage } from '../support/cluster-daemon.js';
import { refusedWebhookChannel } from '../support/ops-yaml.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const PARTITIONS = 3;
const OTHER = 'member_other';
const LONG = 60 * 60_000;
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

describe.skipIf(!pgUp)('escalate now on an incident of another member\'s partition', () => {
  const cluster = clusterDaemon({
    prefix: 'escalate-now-partition',
    before: (store) => otherMemberHolding(store.db, OTHER, PARTITIONS, [2], LONG),
    config: (url) =>
      `${clusterStorage(url, PARTITIONS)}channels:\n${refusedWebhookChannel('first')}${refusedWebhookChannel('second')}` +
      `escalation_policies:\n  - id: default\n    steps:\n      - { targets: [{ channel: first }], timeout: 5m }\n      - { targets: [{ channel: second }], timeout: 5m }\n`,
  });
  const { ops, runFor, leases } = cluster;

  it('pages the next step once and re-arms the escalation for the partition\'s holder', async () => {
    const db = cluster.store.db;
    expect(leases()).toEqual([partitionLease(0), partitionLease(1), 'singletons']);
    await runFor(60_000);
    let incident = await ops().createIncident({ title: 'down 0', severity: 'P2', service: 'api' }, ana);
    for (let k = 1; partitionOf(incident.id, PARTITIONS) !== 2; k++) {
      await ops().act(incident.id, 'resolve', ana);
      incident = await ops().createIncident({ title: `down ${k}`, severity: 'P2', service: 'api' }, ana);
    }
    await ops().act(incident.id, 'acknowledge', ana);
    const escalatedAt = cluster.clock.now();
    expect((await ops().escalate(incident.id, ana)).state).toBe('triggered');
    const paged = async () => (await db.selectFrom('outbox').select('channel_id').where('incident_id', '=', incident.id).where('event', 'in', ['incident.triggered', 'incident.escalated']).orderBy('created_at').execute()).map((r) => r.channel_id).sort();
    const lines = async () => (await db.selectFrom('incident_timeline').select('text').where('incident_id', '=', incident.id).where('kind', '=', 'escalation').execute()).map((r) => r.text);
    const escalation = async () => {
      const row = await db.selectFrom('escalations').select(['status', 'next_at']).where('incident_id', '=', incident.id).executeTakeFirstOrThrow();
      return { status: row.status, next_at: row.next_at === null ? null : Number(row.next_at) };
    };
    const rearmed = { status: 'active', next_at: escalatedAt + 5 * 60_000 };
    expect({ paged: await paged(), lines: await lines(), escalation: await escalation() }).toEqual({
      paged: ['first', 'second'],
      lines: ['escalated: paging step 2 of default now'],
      escalation: rearmed,
    });
    // Its timer is the partition holder's to run: this process pages nothing more for it. Its only
    // timer falls due at +5 m; this process, which looks again every 100 ms while a row it does not
    // hold is due, is watched for a minute past that.
    await cluster.runTo(rearmed.next_at + 60_000);
    expect({ paged: await paged(), escalation: await escalation() }).toEqual({ paged: ['first', 'second'], escalation: rearmed });
  }, scaled(120_000));
});
