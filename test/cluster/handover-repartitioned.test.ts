/**
 * Check results handed over before the partition count changed are evaluated only where their
 * check falls now. A member stopped with three partitions handed over, in checks/00, a failing
 * result of check `y` (in checks/00 with two partitions too) and one of check `x` (in checks/01 with
 * two). One opsbook daemon (in-process, on a simulated clock) starts with two partitions on that
 * PostgreSQL database and holds both. It evaluates `y`'s result under checks/00 (its rule opens its
 * incident) and forgets `x`'s unevaluated, in the same fenced transaction: `x`'s rule state belongs
 * to checks/01, whose holder runs `x` itself. Before, every result in checks/00 was evaluated under
 * checks/00's lease whatever its check: `x`'s rule opened an incident from a result no holder of
 * `x`'s partition saw, its writes fenced by a lease that is not its rule's (on a member holding
 * checks/00 only, the result was forgotten, evaluated by a process without `x`'s rule).
 */
import { describe, expect, it } from 'vitest';
import { partitionOf } from '../../src/cluster/index.js';
import { postgresUp } from '../support/services.js';
import { clusterDaemon, clusterStorage, idInPartition, probeCheck } from '../support/cluster-daemon.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const OLD = 3;
const NOW = 2;

/** The first id `${prefix}N` in partition `then` of OLD partitions and `now` of NOW. */
const idIn = (prefix: string, then: number, now: number) => idInPartition(NOW, now, prefix, (id) => partitionOf(id, OLD) === then);
const x = idIn('x', 0, 1);
const y = idIn('y', 0, 0);

describe.skipIf(!pgUp)('results handed over before the partition count changed', () => {
  const cluster = clusterDaemon({
    prefix: 'handover-repartitioned',
    probeTarget: true,
    before: async (store) => {
      const at = cluster.clock.now() - 30_000;
      const failing = (checkId: string) => ({
        result: JSON.stringify({ checkId, kind: 'http', at, status: 'down', level: 'critical', latencyMs: 5, error: 'connection refused', conditions: [] }),
        probe: JSON.stringify({ status: 'down', level: 'critical', worseStreak: 0, betterStreak: 0, downStreak: 1, upStreak: 0 }),
      });
      // Handed over at the stop of a member that ran with three partitions (its lease checks/00, epoch 1).
      await store.db.insertInto('cluster_handover').values([
        { id: 'hand_x', lease: 'checks/00', epoch: 1, check_id: x, at, ...failing(x) },
        { id: 'hand_y', lease: 'checks/00', epoch: 1, check_id: y, at: at + 1, ...failing(y) },
      ]).execute();
    },
    config: (url, target) => {
      // The checks answer: only a handed-over result can open an incident.
      const check = (id: string) => probeCheck(target, id, '10m', 'failure_threshold: 1, success_threshold: 1');
      return `${clusterStorage(url, NOW)}checks:\n${[x, y].map(check).join('\n')}\nrules:\n  - { id: down-x, check: ${x} }\n  - { id: down-y, check: ${y} }\n`;
    },
  });
  const incidentOf = async (ruleId: string) =>
    cluster.store.db.selectFrom('incidents').innerJoin('incident_alerts', 'incident_alerts.incident_id', 'incidents.id').select(['incidents.id']).where('incident_alerts.rule_id', '=', ruleId).executeTakeFirst();

  it('evaluates a result in the partition its check falls in now, and forgets one whose check moved unevaluated', async () => {
    const { server, store } = cluster;
    expect([...(server.daemon.cluster?.leases.keys() ?? [])].sort()).toEqual(['checks/00', 'checks/01', 'singletons']);
    await expect.poll(async () => (await store.db.selectFrom('cluster_handover').select('id').execute()).length, { timeout: scaled(30_000), interval: 50 }).toBe(0);
    await server.daemon.operations!.settle(scaled(10_000));
    expect(await incidentOf('down-y')).toBeDefined();
    expect(await incidentOf('down-x')).toBeUndefined();
  }, scaled(60_000));
});
