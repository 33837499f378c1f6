/**
 * One opsbook daemon, in-process on a simulated clock, on a fresh PostgreSQL database: the member
 * under test of the cluster tests, next to members written straight into the lease table
 * (`otherMemberHolding`), whose moves the test makes by hand (`takeBehindItsBack`, `giveBack`).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, expect } from 'vitest';
import { scaled } from './timing.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { partitionOf } from '../../src/cluster/index.js';
import { openStore, releaseLease, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { createMigratedTestDatabase } from './migrated-database.js';
import { startDaemonApp, type DaemonApp } from './daemon-app.js';
import type { Logger } from '../../src/daemon/index.js';
import { startProbeTarget, type ProbeTarget } from './probe-target.js';
import { clockRunner, minuteNow, type ClockRunner, type Operations } from './simulated-daemon.js';

/** The first id `${prefix}N` falling in partition `p` of `partitions` (and meeting `accept`). */
export function idInPartition(partitions: number, p: number, prefix: string, accept: (id: string) => boolean = () => true): string {
  for (let k = 0; ; k++) {
    const id = `${prefix}${k}`;
    if (partitionOf(id, partitions) === p && accept(id)) return id;
  }
}

/** The `storage:` section of a cluster member's ops.yaml: the database and its partitions. */
export function clusterStorage(url: string, partitions: number, lease = '5m'): string {
  return `storage:\n  url: "${url}"\n  cluster: { lease: ${lease}, partitions: ${partitions} }\n`;
}

/** A `checks:` entry: http check `id` probing `target` at `/${id}` every `interval`, a 5 s timeout, and the `more` fields. */
export function probeCheck(target: ProbeTarget, id: string, interval = '10s', more?: string): string {
  return `  - { id: ${id}, kind: http, url: "http://127.0.0.1:${target.port}/${id}", interval: ${interval}, timeout: 5s${more ? `, ${more}` : ''} }`;
}

export interface ClusterDaemonOptions {
  /** Names the database (`opsbook_${prefix}`, dashes as underscores) and the daemon's config folder. */
  prefix: string;
  /** The simulated clock's start (default: the current minute). */
  t0?: number;
  /** Starts a loopback probe target (or webhook receiver) on the clock before the config is written. */
  probeTarget?: boolean;
  /** Runs on the migrated database before the daemon starts: other members, rows left by earlier processes. */
  before?: (store: Store) => unknown;
  /** The daemon's ops.yaml, for the database at `url` (and the probe target, when started). */
  config: (url: string, target: ProbeTarget) => string;
  /** Starts the daemon (`start` does it plainly) with whatever the test holds around its start. */
  start?: (start: () => Promise<DaemonApp>) => Promise<DaemonApp>;
  /** The daemon's logger (default: one that logs nothing). */
  logger?: Logger;
}

export interface ClusterDaemon extends ClockRunner {
  readonly clock: SimulatedClock;
  readonly t0: number;
  /** The database's URL. */
  readonly url: string;
  /** The test's own connection to the database. */
  readonly store: Store;
  readonly server: DaemonApp;
  /** The probe target, with `probeTarget`. */
  readonly target: ProbeTarget;
  ops(): Operations;
  /** The leases the daemon holds, by name, sorted. */
  leases(): string[];
  epochOf(lease: string): Promise<number>;
  /** `holder` takes `lease` under a new epoch for `ms`, as after the daemon's lease ran out; the daemon has not looked. */
  takeBehindItsBack(lease: string, holder: string, ms: number): Promise<void>;
  /** `holder` gives `lease` back. */
  giveBack(lease: string, holder: string): Promise<void>;
  /** Waits until the daemon holds `want` (with the singletons) and has moved its work to them. */
  movedTo(want: string[]): Promise<void>;
}

/**
 * Registers the suite's hooks: before its tests a fresh, migrated database, the probe target, `before`,
 * then the daemon; after them all closed and the database dropped.
 */
export function clusterDaemon(options: ClusterDaemonOptions): ClusterDaemon {
  const t0 = options.t0 ?? minuteNow();
  const clock = new SimulatedClock(t0);
  let db: ScratchDatabase | undefined;
  let store: Store | undefined;
  let server: DaemonApp | undefined;
  let target: ProbeTarget | undefined;

  const ops = () => server!.daemon.operations!;
  const harness: ClusterDaemon = {
    clock,
    t0,
    get url() {
      return db!.url;
    },
    get store() {
      return store!;
    },
    get server() {
      return server!;
    },
    get target() {
      return target!;
    },
    ops,
    ...clockRunner(clock, ops),
    leases: () => [...(server?.daemon.cluster?.leases.keys() ?? [])].sort(),
    epochOf: async (lease) => Number((await store!.db.selectFrom('cluster_leases').select('epoch').where('name', '=', lease).executeTakeFirstOrThrow()).epoch),
    async takeBehindItsBack(lease, holder, ms) {
      await sql`update cluster_leases set holder = ${holder}, epoch = epoch + 1, expires_at = (extract(epoch from clock_timestamp()) * 1000)::bigint + ${ms} where name = ${lease}`.execute(store!.db);
    },
    async giveBack(lease, holder) {
      await releaseLease(store!.db, { lease, epoch: await harness.epochOf(lease) }, holder);
    },
    async movedTo(want) {
      await expect.poll(harness.leases, { timeout: scaled(30_000), interval: 50 }).toEqual([...want, 'singletons'].sort());
      await harness.ops().moveWork();
      await harness.ops().idle();
    },
  };

  beforeAll(async () => {
    db = await createMigratedTestDatabase(`opsbook_${options.prefix.replace(/-/g, '_')}`);
    store = await openStore({ url: db.url });
    await store.migrate();
    if (options.probeTarget) target = await startProbeTarget(clock);
    await options.before?.(store);
    const url = db.url;
    const start = () => startDaemonApp(options.prefix, { 'ops.yaml': options.config(url, target!) }, { clock, ...(options.logger ? { logger: options.logger } : {}) });
    server = await (options.start ? options.start(start) : start());
  }, scaled(120_000));

  afterAll(async () => {
    await server?.close();
    await store?.close();
    await target?.close();
    await db?.drop();
  }, scaled(60_000));

  return harness;
}

/** A second member beside a `clusterDaemon`, and the two run together (see `secondMember`). */
export interface SecondMember {
  server(): DaemonApp;
  /** Advances the shared clock by `ms`, both members settling at each step and after. */
  runFor(ms: number): Promise<void>;
  /** Waits until each member holds one partition (of two), then has each move its work to it. */
  oneEach(): Promise<void>;
}

/**
 * A second member: a real daemon on the cluster daemon's clock and database (its ops.yaml from
 * `config`, logging to `logger` when given), started before the suite's tests and closed after them.
 */
export function secondMember(cluster: ClusterDaemon, name: string, config: () => string, logger?: Logger): SecondMember {
  let second: DaemonApp | undefined;
  const both = () => [cluster.server, second!];
  const settle = async () => {
    for (const d of both()) await d.daemon.operations!.settle(scaled(5_000));
  };
  const partitionsOf = (d: DaemonApp) => [...(d.daemon.cluster?.leases.keys() ?? [])].filter((l) => l !== 'singletons').length;
  beforeAll(async () => {
    second = await startDaemonApp(name, { 'ops.yaml': config() }, { clock: cluster.clock, ...(logger ? { logger } : {}) });
  }, scaled(120_000));
  afterAll(async () => {
    await second?.close();
  }, scaled(60_000));
  return {
    server: () => second!,
    runFor: async (ms) => {
      await cluster.clock.advance(ms, settle);
      await settle();
    },
    oneEach: async () => {
      // The first gives the second its share at its next round.
      await expect.poll(() => both().map(partitionsOf), { timeout: scaled(30_000), interval: 50 }).toEqual([1, 1]);
      for (const d of both()) await d.daemon.operations!.moveWork();
    },
  };
}
