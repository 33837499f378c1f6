/**
 * A cluster member that loses PostgreSQL stops running checks (and so paging) within one lease and
 * says why, while the other member takes its checks over. Member `x` reaches the database through a
 * loopback TCP proxy the test cuts — refusing connections (errors at once) or stalling them (a
 * partition: queries hang, nothing fails) — and `y` reaches it directly. Both are real `opsbook
 * serve` processes (the compiled dist/) probing a loopback target at URLs naming themselves.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresUp } from '../support/services.js';
import { ClusterWatch, startMember, stopMember, type ClusterMemberProcess } from '../support/cluster.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import type { ScratchDatabase } from '../../src/store/index.js';

const pgUp = await postgresUp();
const CHECKS = Array.from({ length: 16 }, (_, i) => `c${String(i).padStart(2, '0')}`);
const PARTITIONS = 8;
const LEASE_MS = 5000;
/** Slack beyond the lease for a loaded machine (timers late, a probe in flight at the deadline). */
const SLACK_MS = 15_000;

describe.skipIf(!pgUp)('a cluster member that cannot reach PostgreSQL', () => {
  let db: ScratchDatabase;
  let dir: string;
  let target: http.Server;
  let port: number;
  const probes: Array<{ at: number; node: string; check: string }> = [];
  let y: ClusterMemberProcess | undefined;
  let watch: ClusterWatch;

  const configFor = (name: string, url: string): string => {
    const file = path.join(dir, `${name}.yaml`);
    const checks = CHECKS.map((id) => `  - { id: ${id}, kind: http, url: "http://127.0.0.1:${port}/\${OPSBOOK_NODE}/${id}", interval: 1s, timeout: 2s }`).join('\n');
    fs.writeFileSync(file, `storage:\n  url: "${url}"\n  data_dir: "${dir}/data-${name}"\n  cluster: { lease: ${LEASE_MS / 1000}s, partitions: ${PARTITIONS} }\nchecks:\n${checks}\n`);
    return file;
  };

  beforeAll(async () => {
    db = await createTestDatabase('opsbook_cluster_lost');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-cluster-lost-'));
    target = http.createServer((req, res) => {
      const [, node, check] = (req.url ?? '').split('/');
      probes.push({ at: Date.now(), node: node!, check: check! });
      res.end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    port = (target.address() as AddressInfo).port;
    watch = await ClusterWatch.open(db.url, CHECKS, PARTITIONS);
    y = await startMember(configFor('y', db.url), 'y');
  }, 120_000);

  afterAll(async () => {
    if (y) await stopMember(y);
    await watch?.close();
    target?.close();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it.each(['refuse', 'stall'] as const)('stops probing within one lease when PostgreSQL is cut off (%s), says why, and the other member takes its checks', async (mode) => {
    const u = new URL(db.url);
    const proxy: TcpProxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    u.host = proxy.address;
    const node = `x-${mode}`;
    let x: ClusterMemberProcess | undefined;
    try {
      x = await startMember(configFor(node, u.toString()), node);
      const xPid = x.child.pid;
      // Both hold a share and x probes some checks.
      await expect
        .poll(async () => {
          const s = await watch.status();
          const alive = s.members.filter((m) => m.alive);
          return s.unowned_checks.length === 0 && alive.length === 2 && alive.every((m) => m.checks.length > 0);
        }, { timeout: 60_000, interval: 250 })
        .toBe(true);
      const heldByX = (await watch.status()).members.find((m) => m.pid === xPid && m.alive)!.checks;
      const since = Date.now();
      await expect.poll(() => probes.some((p) => p.node === node && p.at > since), { timeout: 30_000, interval: 250 }).toBe(true);

      // The cut: open connections dropped, new ones refused or left hanging.
      await proxy.setMode(mode);
      proxy.dropConnections();
      const cutAt = Date.now();

      // It says why, in its log and in its readiness.
      const gaveUp = 'cluster: leases given up, checks and pages stopped (';
      await expect.poll(() => x!.output().includes(gaveUp), { timeout: LEASE_MS + 45_000, interval: 250 }).toBe(true);
      const why = x.output().slice(x.output().indexOf(gaveUp)).split('\n')[0]!;
      expect(why).toMatch(mode === 'refuse' ? /cannot reach PostgreSQL|no lease renewal for one lease period/ : /no lease renewal for one lease period|a lease round took longer than a lease/);
      const ready = await fetch(`${x.url}/_health/ready`, { signal: AbortSignal.timeout(20_000) })
        .then(async (r) => (await r.json()) as { status: string; checks: { cluster?: { status: string; detail?: string } } })
        .catch(() => undefined);
      // A stalled store may keep readiness from answering at all; when it answers, it says why.
      if (ready || mode === 'refuse') {
        expect(ready?.status).toBe('not_ready');
        expect(ready?.checks.cluster?.status).toBe('failing');
        expect(ready?.checks.cluster?.detail).toContain('holds no lease, runs no check and sends no page');
      }

      // The other member runs x's checks.
      await expect.poll(() => heldByX.every((c) => probes.some((p) => p.check === c && p.node === 'y' && p.at > cutAt)), { timeout: 60_000, interval: 250 }).toBe(true);
      // x probes nothing more: none for five intervals, and its last probe came within a lease of the cut (plus slack for a loaded machine).
      const quietFrom = Date.now();
      await new Promise((r) => setTimeout(r, 5000));
      expect(probes.filter((p) => p.node === node && p.at >= quietFrom)).toEqual([]);
      const last = Math.max(...probes.filter((p) => p.node === node).map((p) => p.at));
      expect(last - cutAt, `x's last probe came ${last - cutAt} ms after the cut`).toBeLessThan(LEASE_MS + SLACK_MS);
      // Seen from the database, x is no longer a live member and holds no lease.
      const s = await watch.status();
      const xIds = s.members.filter((m) => m.pid === xPid).map((m) => m.id);
      expect(s.members.filter((m) => m.alive && m.pid === xPid)).toEqual([]);
      expect(s.leases.filter((l) => l.holder !== null && xIds.includes(l.holder))).toEqual([]);
      expect(s.unowned_checks).toEqual([]);
    } finally {
      if (x) await stopMember(x, 5000);
      await proxy.close();
    }
  }, 240_000);
});
