/**
 * A full disk under the store: pages keep going out from memory to a real webhook receiver on
 * loopback, /_health/ready says not ready and why, opsbook raises an incident about itself through
 * the channels, and once space returns the held alerts are recorded, the all-clear goes out and
 * nothing stored is damaged (integrity_check ok, the audit chain verifies).
 *
 * The store lives on a size-limited tmpfs the test mounts and fills: the real ENOSPC under SQLite.
 * Where the machine does not allow mounts (not root), the test is skipped with the reason: SQLite's
 * `max_page_count` was tried as a stand-in and does not fail writes that fit in pages the store
 * already has, so it would not show the same thing. The test logs which ran.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointWal, listAudit, verifyAuditChain } from '../../src/store/index.js';
import { startReceiver, type Receiver } from '../../src/notify/test-support.js';
import { listenOnLoopback, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled } from '../support/timing.js';

const KEY = 'full-disk-key-0123456789abcdef0';

interface Page {
  type: string;
  incident: { id: string; title: string; status: string };
}

function pages(receiver: Receiver): Page[] {
  return receiver.requests.map((r) => {
    const body = JSON.parse(r.body) as { type: string; data: { incident: Page['incident'] } };
    return { type: body.type, incident: body.data.incident };
  });
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = scaled(60_000)): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function alert(name: string, status: 'firing' | 'resolved' = 'firing'): string {
  return JSON.stringify({
    version: '4',
    groupKey: name,
    status,
    receiver: 'opsbook',
    alerts: [{ status, labels: { alertname: name, service: name.toLowerCase() }, annotations: { summary: `${name} is failing` }, startsAt: new Date().toISOString() }],
  });
}

/** Mounts a 16 MiB tmpfs at a fresh directory; the reason instead where mounts are not allowed (or OPSBOOK_TEST_NO_MOUNT=1). */
function mountSmallFs(): { dir: string; unmount: () => void } | { reason: string } {
  if (process.env.OPSBOOK_TEST_NO_MOUNT === '1') return { reason: 'OPSBOOK_TEST_NO_MOUNT=1' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-full-fs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmdirSync(dir);
    return { reason: (r.stderr || r.error?.message || `mount exited ${r.status}`).trim() };
  }
  return {
    dir,
    unmount: () => {
      spawnSync('umount', [dir]);
      fs.rmdirSync(dir);
    },
  };
}

/** Fills the filesystem holding `dir` with one file until ENOSPC. */
function fill(file: string): number {
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 7);
  let written = 0;
  try {
    for (;;) written += fs.writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  }
  // The last partial blocks: tmpfs counts pages, so fill byte-exact until nothing fits.
  try {
    for (;;) written += fs.writeSync(fd, Buffer.alloc(512, 7));
  } catch {
    // full
  }
  fs.closeSync(fd);
  return written;
}

const mount = mountSmallFs();
const mounted = 'dir' in mount ? mount : undefined;
if (mounted) console.info(`disk-full test: a 16 MiB tmpfs mounted at ${mounted.dir}, filled by the test (real ENOSPC)`);
else console.info(`disk-full test skipped: cannot mount a size-limited tmpfs (${(mount as { reason: string }).reason}); run as root (or with CAP_SYS_ADMIN)`);

describe.skipIf(!mounted)('a full disk under the store', { timeout: scaled(300_000) }, () => {
  let receiver: Receiver;
  let server: DaemonApp;
  let url: string;
  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 200 }));
    const dbUrl = path.join(mounted!.dir, 'opsbook.db');
    server = await startDaemonApp('full-disk', {
      'ops.yaml': [
        'storage:',
        `  url: ${dbUrl}`,
        '  full_retry: 1s',
        'channels:',
        '  - id: hook',
        '    kind: webhook',
        `    url: ${receiver.url}`,
        '    secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]',
        'escalation_policies:',
        '  - id: default',
        '    steps:',
        '      - { targets: [{ channel: hook }], timeout: 30m }',
        'integrations:',
        '  - id: prom',
        '    kind: alertmanager',
        `    key: ${KEY}`,
        '',
      ].join('\n'),
    });
    url = await listenOnLoopback(server.app);
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    mounted?.unmount();
  });

  const ingest = (body: string) => fetch(`${url}/api/ingest/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body });

  it('pages from memory while full, reports not ready, raises its own incident, and recovers cleanly', async () => {
    const { daemon } = server;
    // Before: an alert is recorded and paged the usual way.
    expect((await ingest(alert('Before'))).status).toBeLessThan(300);
    await until('the first page', () => pages(receiver).find((p) => p.incident.title === 'Before is failing'));
    const auditBefore = (await listAudit(daemon.store.db)).length;

    // The disk fills: the WAL is truncated first so the next write must grow a file.
    await checkpointWal(daemon.store);
    const filler = path.join(mounted!.dir, 'filler');
    const filled = fill(filler);

    const during = await ingest(alert('During'));
    expect(during.status).toBeLessThan(500);
    const memoryPage = await until('the page from memory', () => pages(receiver).find((p) => p.incident.title === 'During is failing'));
    expect(memoryPage.type).toBe('incident.triggered');
    expect(memoryPage.incident.id).toMatch(/^mem-/);
    const selfPage = await until('opsbook’s own incident', () => pages(receiver).find((p) => p.incident.id === 'opsbook-store-full' && p.type === 'incident.triggered'));
    expect(selfPage.incident.title).toMatch(/disk full/);
    const ready = await fetch(`${url}/_health/ready`);
    expect(ready.status).toBe(503);
    const readiness = (await ready.json()) as { checks: { writes: { status: string; detail: string } } };
    expect(readiness.checks.writes.status).toBe('failing');
    expect(readiness.checks.writes.detail).toMatch(/disk full since .*1 alert\(s\) paged from memory/);
    // The same alert repeated (Alertmanager repeats) pages once.
    await ingest(alert('During'));
    expect(daemon.operations!.storeFull.status?.held).toBe(1);

    // Space returns.
    fs.rmSync(filler);
    await until('ready again', async () => (await fetch(`${url}/_health/ready`)).status === 200);
    await until('the all-clear', () => pages(receiver).find((p) => p.incident.id === 'opsbook-store-full' && p.type === 'incident.resolved'));
    // The held alert is now an incident, paged again through its escalation with a recorded id.
    const recorded = await until('the held alert recorded', () => pages(receiver).find((p) => p.incident.title === 'During is failing' && !p.incident.id.startsWith('mem-')));
    expect(recorded.type).toBe('incident.triggered');
    // New alerts take the usual path again.
    await ingest(alert('After'));
    await until('a page after recovery', () => pages(receiver).find((p) => p.incident.title === 'After is failing' && !p.incident.id.startsWith('mem-')));

    // Nothing stored was damaged.
    const check = (await sql<{ integrity_check: string }>`pragma integrity_check`.execute(daemon.store.db)).rows;
    expect(check).toEqual([{ integrity_check: 'ok' }]);
    const entries = await listAudit(daemon.store.db);
    expect(verifyAuditChain(entries)).toEqual([]);
    expect(entries.length).toBeGreaterThan(auditBefore);
    expect(entries.some((e) => e.action === 'store.writable')).toBe(true);
    console.info(`disk-full test (tmpfs): filled ${filled} bytes; ${receiver.requests.length} deliveries received`);
  });
});
