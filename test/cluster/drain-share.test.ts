/**
 * A member stopping cleanly (SIGTERM) while its pipeline drains no longer counts in the others' fair
 * share: the partitions it gives back (those with nothing queued) are taken by the members already
 * at full share, which run their checks, while it still drains the rest.
 *
 * Two members on a fresh PostgreSQL database with four partitions: `a`, a real daemon in a child
 * process (test/torture/daemon-child.ts) on its own simulated clock, and `b`, in-process. `a` starts
 * alone and takes every lease; `b` joins and is given partitions 2 and 3, so each holds its full share
 * (two). Check `f` (partition 0) fails; the checks `g…` (partition 1) pass. The test holds the
 * incident write lock (a transaction-level advisory lock) on a connection of its own, so `f`'s failing
 * result waits in `a`'s pipeline whatever the machine's speed, then SIGTERMs `a`: it stops probing,
 * gives partition 1 back at once (nothing of it queued) and drains partition 0. Before, `b`, still
 * counting `a` as a member (it heartbeats while it drains), stayed at its share of two and left
 * partition 1 unheld until `a` had left — the `g…` checks unprobed for the whole drain.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Transaction } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterStatus, partitionLease } from '../../src/cluster/index.js';
import { CATCH_UP_WINDOW_MS } from '../../src/checks/scheduler/scheduler.js';
import { INCIDENT_WRITE_LOCK } from '../../src/incidents/index.js';
import { insertResults, type Database, type Store } from '../../src/store/index.js';
import { exited } from '../support/crash.js';
import { startKillableDaemon, type KillableDaemon } from '../support/killable-daemon.js';
import { postgresUp } from '../support/services.js';
import { until, scaled } from '../support/timing.js';
import { clusterDaemon, clusterStorage, idInPartition, probeCheck } from '../support/cluster-daemon.js';
import type { ProbeTarget } from '../support/probe-target.js';

const pgUp = await postgresUp();
const PARTITIONS = 4;
const F = idInPartition(PARTITIONS, 0, 'f');
const G = Array.from({ length: 3 }, (_, i) => idInPartition(PARTITIONS, 1, `g${i}-`));
const ALL = [F, ...G];

// Short, for lease rounds (a third of it) to come within the test; long enough on a loaded machine that
// neither member misses its heartbeats for a whole lease and is taken for gone (the test is not about that).
const LEASE = `${Math.min(15, Math.ceil(scaled(3_000) / 1000))}s`;

const config = (url: string, target: ProbeTarget) =>
  `server:\n  shutdown_timeout: 2m\n${clusterStorage(url, PARTITIONS, LEASE)}checks:\n${[
    probeCheck(target, F, '10s', 'failure_threshold: 1, success_threshold: 1'),
    ...G.map((id) => probeCheck(target, id, '60s')),
  ].join('\n')}\n`;

describe.skipIf(!pgUp)('a member draining at a clean stop', () => {
  let a: KillableDaemon | undefined;
  let dir: string | undefined;
  let unblock: (() => void) | undefined;
  const cluster = clusterDaemon({
    prefix: 'drain-share',
    probeTarget: true,
    // `a` starts first, alone, and takes every lease; it runs the checks at once (their last runs are 90 s old).
    before: async (store: Store) => {
      const t0 = cluster.t0;
      await insertResults(store.db, ALL.map((checkId) => ({ checkId, at: t0 - 90_000, down: false, level: 0 as const, latencyMs: 5 })), t0 - 100_000);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-drain-share-'));
      fs.writeFileSync(path.join(dir, 'ops.yaml'), config(cluster.url, cluster.target));
      a = await startKillableDaemon(path.join(dir, 'ops.yaml'), t0);
      await until('a holds every lease', async () => (await store.db.selectFrom('cluster_leases').select('holder').where('holder', 'is not', null).execute()).length === PARTITIONS + 1, scaled(30_000));
      await a.advanceTo(t0 + CATCH_UP_WINDOW_MS + 50);
    },
    config,
  });
  afterAll(async () => {
    unblock?.();
    if (a) await a.kill();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Holds every incident write until `unblock()`. */
  async function blockIncidentWrites(store: Store): Promise<void> {
    let locked!: () => void;
    const taken = new Promise<void>((r) => (locked = r));
    const held = new Promise<void>((r) => (unblock = r));
    void store.db.transaction().execute(async (trx: Transaction<Database>) => {
      await sql`select pg_advisory_xact_lock(${INCIDENT_WRITE_LOCK})`.execute(trx);
      locked();
      await held;
    });
    await taken;
  }

  const alive = (d: KillableDaemon) => d.child.exitCode === null && d.child.signalCode === null;

  it('is counted out of the fair share at once: the others take the partitions it gives back and run their checks while it drains the rest', async () => {
    const { t0, store, target } = cluster;
    // `b` joined: `a` gave partitions 2 and 3 back to it; each member holds its full share.
    await expect.poll(cluster.leases, { timeout: scaled(30_000), interval: 50 }).toEqual([partitionLease(2), partitionLease(3)]);
    const g = new Set(G);
    expect(target.probes.filter((p) => g.has(p.path)).length, 'a ran the g checks').toBe(G.length);

    // `f` fails at its next run at `a`; its result waits in `a`'s pipeline on the incident write lock.
    await blockIncidentWrites(store);
    target.failing.add(F);
    const waiting = async () => Number((await sql<{ n: string }>`select count(*) as n from pg_locks where locktype = 'advisory' and not granted`.execute(store.db)).rows[0]!.n);
    // In short steps, until the result waits: the step it is queued in never settles (`a`'s pipeline is held), so it is not awaited.
    for (let at = t0 + CATCH_UP_WINDOW_MS + 250; at <= t0 + 20_000; at += 250) {
      const step = a!.advanceTo(at).then(() => true, () => true);
      const blocked = async () => {
        while ((await waiting()) === 0) await new Promise((r) => setTimeout(r, 100));
        return false;
      };
      if (!(await Promise.race([step, blocked()]))) break;
    }
    await expect.poll(waiting, { timeout: scaled(30_000), interval: 100 }).toBe(1);

    const from = target.probes.length;
    a!.child.kill('SIGTERM');
    // `a` gives partition 1 back (and the singletons, at the start of its drain) and `b`, counting `a`
    // out, takes them; partition 0 still drains at `a`.
    await expect.poll(cluster.leases, { timeout: scaled(30_000), interval: 50 }).toEqual([partitionLease(1), partitionLease(2), partitionLease(3), 'singletons']);
    expect(alive(a!), 'a still drains').toBe(true);
    const status = await clusterStatus(store, ALL, PARTITIONS);
    const stopping = status.members.find((m) => m.leases.includes(partitionLease(0)));
    expect(stopping?.draining_since, 'a is shown draining').not.toBeNull();
    expect(status.members.filter((m) => m.draining_since === null).map((m) => m.id)).toEqual([cluster.server.daemon.cluster!.id]);

    // `b` runs the g checks when they fall due (an interval after `a` ran them), `a` still draining.
    await cluster.ops().moveWork();
    await cluster.runTo(t0 + 60_000 + CATCH_UP_WINDOW_MS + 50);
    expect(new Set(target.probes.slice(from).map((p) => p.path)), 'checks probed since the SIGTERM (by b)').toEqual(g);
    expect(alive(a!), 'a still drains').toBe(true);

    // Drained: `a` opens f's incident, frees the rest and leaves; `b` takes partition 0 too.
    unblock!();
    await exited(a!.child);
    expect((await store.db.selectFrom('incident_alerts').select('rule_id').execute()).map((r) => r.rule_id)).toEqual([`check:${F}`]);
    await expect.poll(cluster.leases, { timeout: scaled(30_000), interval: 50 }).toEqual([partitionLease(0), partitionLease(1), partitionLease(2), partitionLease(3), 'singletons']);
  }, scaled(180_000));
});
