/**
 * Several `opsbook serve` processes (the compiled dist/) on one fresh PostgreSQL database: every
 * check is run by exactly one of them, a killed process's checks move to the others, and a process
 * paused past its lease has the writes it made before the pause refused by fencing.
 *
 * Each process probes a loopback target at a URL naming itself (`${OPSBOOK_NODE}` in the config),
 * so the target sees which process ran which check.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { createTestDatabase, postgresUp } from '../support/services.js';
import { ClusterWatch, startMember, stopMember, type ClusterMemberProcess } from '../support/cluster.js';
import type { ScratchDatabase } from '../../src/store/index.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();
const CHECKS = Array.from({ length: 24 }, (_, i) => `c${String(i).padStart(2, '0')}`);
const PARTITIONS = 8;

/**
 * A world of the suite: a fresh database, the probe target and a config for members on them, set up
 * before the suite's tests; the members the tests start are stopped after them. The hooks go to the
 * suite that calls it.
 */
function clusterWorld() {
  let db: ScratchDatabase;
  let dir: string;
  let config: string;
  let target: http.Server;
  /** Every probe the target saw: when, which process, which check. */
  const probes: Array<{ at: number; node: string; check: string }> = [];
  const members: ClusterMemberProcess[] = [];
  let watch: ClusterWatch;

  beforeAll(async () => {
    db = await createTestDatabase('opsbook_cluster');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-cluster-'));
    target = http.createServer((req, res) => {
      const [, node, check] = (req.url ?? '').split('/');
      probes.push({ at: Date.now(), node: node!, check: check! });
      res.end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const port = (target.address() as AddressInfo).port;
    config = path.join(dir, 'ops.yaml');
    const checks = CHECKS.map((id) => `  - { id: ${id}, kind: http, url: "http://127.0.0.1:${port}/\${OPSBOOK_NODE}/${id}", interval: 1s }`).join('\n');
    fs.writeFileSync(config, `storage:\n  url: "${db.url}"\n  data_dir: "${dir}/data"\n  cluster: { lease: 5s, partitions: ${PARTITIONS} }\nchecks:\n${checks}\n`);
    watch = await ClusterWatch.open(db.url, CHECKS, PARTITIONS);
  }, scaled(60_000));

  afterAll(async () => {
    await Promise.all(members.map((m) => stopMember(m)));
    await watch?.close();
    target?.close();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, scaled(60_000));

  /** Polls until every check is held by a live process (and each of `names` holds some). */
  async function settled(expect: ExpectStatic, names: readonly string[]) {
    await expect
      .poll(
        async () => {
          const s = await watch.status();
          const alive = s.members.filter((m) => m.alive);
          return alive.length === names.length && s.unowned_checks.length === 0 && alive.every((m) => m.checks.length > 0);
        },
        { timeout: scaled(45_000), interval: 250 },
      )
      .toBe(true);
    return watch.status();
  }

  /** Which processes probed each check after `since`. */
  function probedBy(since: number): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const p of probes) if (p.at >= since) out.set(p.check, (out.get(p.check) ?? new Set()).add(p.node));
    return out;
  }

  return {
    get config() {
      return config;
    },
    get watch() {
      return watch;
    },
    probes,
    members,
    settled,
    probedBy,
  };
}

// The two tests run at once, each in a world of its own: most of their time is spent waiting for
// leases to run out and for the members to share the partitions.
describe.skipIf(!pgUp)('several opsbook processes on one PostgreSQL', { concurrent: true }, () => {
  const world = clusterWorld();
  const { probes, members, settled, probedBy } = world;

  it('runs every check in exactly one process, and moves a killed process\'s checks to the other', async ({ expect }) => {
    // Started side by side; each is kept for the clean-up as soon as it answers, whether or not the other did.
    const starts = await Promise.allSettled([startMember(world.config, 'a'), startMember(world.config, 'b')]);
    for (const s of starts) if (s.status === 'fulfilled') members.push(s.value);
    for (const s of starts) if (s.status === 'rejected') throw s.reason;
    // A window in which nobody's leases changed: every check then had exactly one runner.
    let exclusive = false;
    for (let attempt = 0; attempt < 10 && !exclusive; attempt++) {
      const before = await settled(expect, ['a', 'b']);
      const since = Date.now();
      await expect.poll(() => CHECKS.every((c) => probes.filter((p) => p.check === c && p.at >= since).length >= 3), { timeout: scaled(30_000), interval: 250 }).toBe(true);
      const after = await world.watch.status();
      if (JSON.stringify(before.leases.map((l) => [l.name, l.holder, l.epoch])) !== JSON.stringify(after.leases.map((l) => [l.name, l.holder, l.epoch]))) continue;
      const by = probedBy(since + 1500);
      expect([...by.values()].every((nodes) => nodes.size === 1), JSON.stringify([...by].map(([c, n]) => [c, [...n]]))).toBe(true);
      expect(new Set([...by.values()].flatMap((n) => [...n]))).toEqual(new Set(['a', 'b']));
      exclusive = true;
    }
    expect(exclusive).toBe(true);

    const b = members.find((m) => m.name === 'b')!;
    const heldByB = (await world.watch.status()).members.find((m) => m.pid === b.child.pid)!.checks;
    expect(heldByB.length).toBeGreaterThan(0);
    b.child.kill('SIGKILL');
    const killedAt = Date.now();
    // Within a lease (5 s) plus a renewal round, a, alone, holds everything; polled generously.
    await settled(expect, ['a']);
    await expect.poll(() => heldByB.every((c) => probes.some((p) => p.check === c && p.node === 'a' && p.at > killedAt)), { timeout: scaled(45_000), interval: 250 }).toBe(true);
    members.splice(members.indexOf(b), 1);
  }, scaled(180_000));
});

describe.skipIf(!pgUp)('several opsbook processes on one PostgreSQL', { concurrent: true }, () => {
  const world = clusterWorld();
  const { probes, members, settled } = world;

  it('refuses, by fencing, the writes of a process paused past its lease, and counts them', async ({ expect }) => {
    // Started side by side; each is kept for the clean-up as soon as it answers, whether or not the other did.
    const starts = await Promise.allSettled([startMember(world.config, 'a'), startMember(world.config, 'c')]);
    for (const s of starts) if (s.status === 'fulfilled') members.push(s.value);
    for (const s of starts) if (s.status === 'rejected') throw s.reason;
    await settled(expect, ['a', 'c']);
    const c = members.find((m) => m.name === 'c')!;
    const cId = (await world.watch.status()).members.find((m) => m.pid === c.child.pid && m.alive)!.id;
    const refused = async () => Number((await world.watch.store.db.selectFrom('cluster_fencing').select((eb) => eb.fn.countAll<number>().as('n')).where('member', '=', cId).where('outcome', '=', 'rejected').executeTakeFirstOrThrow()).n);
    // c's history buffer holds its last second of results when it stops; a pause that catches it empty is tried again.
    for (let attempt = 0; attempt < 3 && (await refused()) === 0; attempt++) {
      // Paused once it probes every check it holds steadily (twice each since now), not while the
      // checks of leases it has just taken are still starting and no result is buffered yet.
      const from = Date.now();
      await expect
        .poll(async () => {
          const held = (await world.watch.status()).members.find((m) => m.id === cId && m.alive)?.checks ?? [];
          return held.length > 0 && held.every((ch) => probes.filter((p) => p.node === 'c' && p.check === ch && p.at >= from).length >= 2);
        }, { timeout: scaled(45_000), interval: 100 })
        .toBe(true);
      let resumedAt = 0;
      c.child.kill('SIGSTOP');
      try {
        // Paused past its lease: a holds every partition, under new epochs.
        await expect
          .poll(async () => {
            const s = await world.watch.status();
            return s.unowned_checks.length === 0 && s.members.filter((m) => m.alive).map((m) => m.id).every((id) => id !== cId) && s.leases.every((l) => l.holder !== cId);
          }, { timeout: scaled(45_000), interval: 250 })
          .toBe(true);
      } finally {
        resumedAt = c.output().length;
        c.child.kill('SIGCONT');
      }
      // The attempt is over once c, resumed, has had a write refused (its log says so before the
      // refusal is stored), or has rejoined and holds checks again: by then it has flushed what it
      // held at the pause several times over, so a buffer caught empty is tried again at once.
      const refusedLine = () => c.output().slice(resumedAt).includes('write refused by fencing');
      const rejoined = async () => (await world.watch.status()).members.some((m) => m.id === cId && m.alive && m.checks.length > 0);
      await expect.poll(async () => refusedLine() || (await rejoined()), { timeout: scaled(45_000), interval: 250 }).toBe(true);
      if (refusedLine()) await expect.poll(refused, { timeout: scaled(20_000), interval: 250 }).toBeGreaterThan(0);
    }
    expect(await refused()).toBeGreaterThan(0);
    const s = await world.watch.status();
    expect(s.fencing.accepted_stale).toBe(0);
    // Counted in the store before its log line has crossed the pipe: wait for the line.
    await expect.poll(() => c.output(), { timeout: scaled(20_000) }).toContain('write refused by fencing');
    // It rejoins as the same member and takes a share again.
    await settled(expect, ['a', 'c']);
  }, scaled(180_000));
});
