/**
 * Crash safety of the outbox, with real processes: a child runs the worker on a SQLite store; the
 * parent enqueues 1,000 notifications to a loopback receiver that fails every other request (500),
 * and kills the child with SIGKILL at random moments, restarting it each time. At the end every
 * message was delivered (answered 200) at least once, none was lost, every request carried a valid
 * Standard Webhooks signature, and duplicates share their webhook-id and bytes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/lib/clock.js';
import { enqueueNotification } from '../../src/notify/index.js';
import { startReceiver, testSecret } from '../../src/notify/test-support.js';
import { countOutbox, listOutbox, openStore } from '../../src/store/index.js';
import { REPO_ROOT } from '../support/cli.js';

const TOTAL = 1000;
const secret = testSecret(42);

function startChild(file: string, configPath: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test/notify/outbox-worker-child.ts'), file, configPath], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) resolve(child);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => reject(new Error(`worker exited before ready (${code ?? signal})`)));
  });
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('outbox under kill -9', () => {
  it('delivers every one of 1,000 notifications at least once across random crashes, duplicates under one webhook-id', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-outbox-crash-'));
    const file = path.join(dir, 'opsbook.db');
    // Every other request fails, whatever message it carries.
    const receiver = await startReceiver((_r, i) => ({ status: i % 2 === 0 ? 500 : 200 }));
    const configPath = path.join(dir, 'worker.json');
    fs.writeFileSync(
      configPath,
      JSON.stringify({
        channels: [{ id: 'hook', kind: 'webhook', url: receiver.url, secrets: [secret], timeout: '1s', retry: { initial: '20ms', max_interval: '200ms' } }],
        leaseMs: 2000,
        pollIntervalMs: 50,
        concurrency: 8,
      }),
    );
    const store = await openStore({ url: file });
    await store.migrate();
    const clock = new SystemClock();
    let child: ChildProcess | undefined;
    try {
      // Enqueue in batches while the worker runs and dies, as an incident engine would.
      const enqueueing = (async () => {
        for (let batch = 0; batch < 10; batch++) {
          await store.db.transaction().execute(async (trx) => {
            for (let i = batch * 100; i < (batch + 1) * 100; i++) {
              await enqueueNotification(trx, clock, {
                channelId: 'hook',
                event: 'incident.triggered',
                incident: { id: `inc_${i}`, title: `incident ${i}`, severity: 'sev2', status: 'triggered', url: `http://ops.test/incidents/inc_${i}` },
              });
            }
          });
          await sleep(150);
        }
      })();

      const kills = 5 + Math.floor(Math.random() * 4);
      for (let k = 0; k < kills; k++) {
        child = await startChild(file, configPath);
        await sleep(150 + Math.random() * 750);
        expect(child.exitCode).toBeNull(); // still running when killed
        child.kill('SIGKILL');
        await exited(child);
      }
      await enqueueing;

      child = await startChild(file, configPath);
      for (let i = 0; i < 1200; i++) {
        const c = await countOutbox(store.db);
        if (c.delivered === TOTAL || child.exitCode !== null) break;
        await sleep(100);
      }
      child.kill('SIGTERM');
      await exited(child);
      child = undefined;

      const rows = await listOutbox(store.db);
      expect(rows).toHaveLength(TOTAL);
      expect(await countOutbox(store.db)).toEqual({ pending: 0, delivering: 0, delivered: TOTAL, dead: 0, cancelled: 0 });

      // Every request is signed; an accepted one is a delivery.
      const wh = new Webhook(secret);
      const accepted = new Map<string, string[]>();
      const idsByIncident = new Map<string, Set<string>>();
      receiver.requests.forEach((req, i) => {
        const payload = wh.verify(req.body, req.headers as Record<string, string>) as { data: { id: string; incident: { id: string } } };
        const id = String(req.headers['webhook-id']);
        expect(payload.data.id).toBe(id);
        const ids = idsByIncident.get(payload.data.incident.id) ?? new Set();
        idsByIncident.set(payload.data.incident.id, ids.add(id));
        if (i % 2 === 1) accepted.set(id, [...(accepted.get(id) ?? []), req.body]);
      });

      // None lost: every outbox id was accepted by the receiver.
      expect(rows.filter((r) => !accepted.has(r.id)).map((r) => r.id)).toEqual([]);
      // One id per notification, whatever the crashes: duplicates share their webhook-id and bytes.
      expect([...idsByIncident.values()].filter((s) => s.size !== 1)).toEqual([]);
      expect(idsByIncident.size).toBe(TOTAL);
      const duplicates = [...accepted.values()].filter((bodies) => bodies.length > 1);
      for (const bodies of duplicates) expect(new Set(bodies).size).toBe(1);
      console.log(`${kills} kills; ${receiver.requests.length} requests for ${TOTAL} notifications; ${duplicates.length} delivered more than once`);
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) {
        expect(child.exitCode).toBeNull(); // still running when killed
        child.kill('SIGKILL');
        await exited(child);
      }
      await store.close();
      await receiver.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000); // about 40 s on a quiet 2-core machine; the bound allows for a loaded one
});
