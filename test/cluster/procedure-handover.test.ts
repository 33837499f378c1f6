/**
 * Scheduled procedures across a singletons-lease handover, on PostgreSQL: two processes' schedulers
 * (each with its own cluster membership on one database) run each due time once, and the process
 * that takes the lease over runs what fell due while nobody held it — once, for the latest due time.
 * The schedulers run on a simulated clock; the leases and claims are real rows judged by the
 * database's clock.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase } from '../support/migrated-database.js';
import { postgresUp } from '../support/services.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { ClusterCoordinator, clusterProcedureClaims } from '../../src/cluster/index.js';
import { openStore, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { ProcedureScheduler, type UnattendedRun } from '../../src/executions/index.js';
import { harness, type Harness } from '../../src/executions/test-support.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const LEASE_MS = 1500;
const MORNING = `# Ops

## RB-7: Morning checks

**Diagnosis:**
\`\`\`bash
cat healthy.flag
\`\`\`
`;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

describe.skipIf(!pgUp)('scheduled procedures across a singletons-lease handover (PostgreSQL)', () => {
  let db: ScratchDatabase | undefined;
  let h: Harness | undefined;
  const stores: Store[] = [];
  const members: ClusterCoordinator[] = [];
  const schedulers: ProcedureScheduler[] = [];

  afterEach(async () => {
    for (const s of schedulers.splice(0)) await s.stop();
    for (const m of members.splice(0)) await m.stop();
    for (const s of stores.splice(0)) await s.close();
    await h?.cleanup();
    await db?.drop();
  }, scaled(60_000));

  it('the new holder runs what fell due while the lease moved, once, and nothing the old holder ran', async () => {
    db = await createMigratedTestDatabase('opsbook_procedure_handover');
    const clock = new SimulatedClock('2026-03-02T05:00:00Z');
    h = await harness({
      clock,
      storeUrl: db.url,
      config: {
        services: [{ id: 'web', shell: { cwd: '.' } }],
        procedures: { 'ops.md#rb-7': { service: 'web', cron: '0 7 * * *', time_zone: 'UTC' } },
      },
      runbooks: [{ file: 'ops.md', text: MORNING }],
    });
    await writeFile(join(h.dir, 'healthy.flag'), 'green\n');
    const runs: Array<{ by: string; dueAt: string }> = [];
    /** A process: a store, a scheduler, and a cluster membership that can leave and join again. */
    const processOf = async (name: string) => {
      const store = await openStore({ url: db!.url, poolSize: 2 });
      stores.push(store);
      let member: ClusterCoordinator | undefined;
      const claims = () => (member ? clusterProcedureClaims(store, member, clock) : undefined);
      const scheduler: ProcedureScheduler = new ProcedureScheduler({
        clock,
        config: h!.config,
        service: h!.service,
        onFailure: () => undefined,
        onRun: (run: UnattendedRun) => runs.push({ by: name, dueAt: new Date(run.dueAt).toISOString() }),
        mayRun: () => claims()?.mayRun() ?? false,
        claim: (reference, dueAt) => claims()?.claim(reference, dueAt) ?? Promise.resolve(false),
        lastClaimed: (reference) => clusterProcedureClaims(store, member!, clock).lastClaimed(reference),
      });
      schedulers.push(scheduler);
      scheduler.start();
      return {
        scheduler,
        /** Joins the cluster; when this process takes the singletons lease, it catches up (as the daemon's moveWork does). */
        join: async () => {
          let held = false;
          member = new ClusterCoordinator({
            store,
            leaseMs: LEASE_MS,
            partitions: 1,
            url: `http://${name}`,
            logger: quiet,
            onChange: () => {
              const holds = member?.singletons !== undefined;
              if (holds && !held) void scheduler.catchUp();
              held = holds;
            },
          });
          members.push(member);
          await member.start();
        },
        /** Leaves cleanly (its leases are free at once); the scheduler goes on and may not run anything. */
        leave: async () => {
          const m = member!;
          member = undefined;
          await m.stop();
        },
        holds: () => member?.singletons !== undefined,
      };
    };
    const a = await processOf('a');
    const b = await processOf('b');
    const settle = async (n: number) => {
      await expect.poll(() => runs.length, { timeout: scaled(30_000), interval: 50 }).toBe(n);
      await Promise.all(schedulers.map((s) => s.catchUp().catch(() => undefined)));
    };

    // a joins first and holds the singletons lease; b joins and holds part of the rest.
    await a.join();
    expect(a.holds()).toBe(true);
    await b.join();
    expect(b.holds()).toBe(false);

    // Day 1: a runs 07:00; b skips it.
    await clock.advanceTo(Date.parse('2026-03-02T07:00:00Z'));
    await settle(1);
    expect(runs).toEqual([{ by: 'a', dueAt: '2026-03-02T07:00:00.000Z' }]);
    // b taking the lease now would not run day 1 again: a claimed it.
    await b.scheduler.catchUp();

    // a leaves, and day 2's 07:00 goes by before b takes the lease: nobody runs it at its time.
    await a.leave();
    await clock.advanceTo(Date.parse('2026-03-03T07:00:30Z'));
    expect(runs).toHaveLength(1);
    // b takes the lease at its next round and runs day 2's 07:00 then, once.
    await expect.poll(() => b.holds(), { timeout: scaled(30_000), interval: 50 }).toBe(true);
    await settle(2);
    expect(runs[1]).toEqual({ by: 'b', dueAt: '2026-03-03T07:00:00.000Z' });

    // b leaves; days 3 and 4 go by with no holder; a joins again: one run, for day 4.
    await b.leave();
    await clock.advanceTo(Date.parse('2026-03-05T08:00:00Z'));
    await a.join();
    await expect.poll(() => a.holds(), { timeout: scaled(30_000), interval: 50 }).toBe(true);
    await settle(3);
    expect(runs[2]).toEqual({ by: 'a', dueAt: '2026-03-05T07:00:00.000Z' });
    // Asked again, neither runs anything more.
    await a.scheduler.catchUp();
    await b.scheduler.catchUp();
    await new Promise((r) => setTimeout(r, 200));
    expect(runs).toHaveLength(3);
    expect((await h.service.listExecutions()).length).toBe(3);
  }, scaled(120_000));
});
