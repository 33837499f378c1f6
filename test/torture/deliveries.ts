/**
 * kill -9 during deliveries, the receiver failing half its requests: the outbox worker child of
 * test/notify/crash.test.ts over SQLite or PostgreSQL, killed while requests are in flight.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { SystemClock } from '../../src/lib/clock.js';
import { enqueueNotification } from '../../src/notify/index.js';
import { startReceiver, testSecret } from '../../src/notify/test-support.js';
import { countOutbox, listOutbox, openStore } from '../../src/store/index.js';
import { kill9, sleep, startChild } from '../support/crash.js';
import { createTestDatabase, postgresUp } from '../support/services.js';
import type { CaseResult, TortureCase } from './case.js';

export function deliveriesCase(store: 'sqlite' | 'postgres'): TortureCase {
  return {
    name: `deliveries under kill -9 (${store}, receiver fails 1 in 2)`,
    async run({ quick }): Promise<CaseResult> {
      if (store === 'postgres' && !(await postgresUp())) return { figures: { skipped: 'PostgreSQL down' }, failures: [], exercised: process.env.OPSBOOK_REQUIRE_SERVICES !== '1' };
      const total = quick ? 100 : 1000;
      const kills = quick ? 2 : 8;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-torture-deliveries-'));
      const scratch = store === 'postgres' ? await createTestDatabase('opsbook_torture') : undefined;
      const url = scratch?.url ?? path.join(dir, 'opsbook.db');
      const secret = testSecret(7);
      let inFlight = 0;
      // Every answer is held for a while so a kill finds requests open on the wire.
      const holdMs = 150;
      const receiver = await startReceiver((_r, i) => ({ status: i % 2 === 0 ? 500 : 200, delayMs: holdMs }));
      const config = path.join(dir, 'worker.json');
      fs.writeFileSync(config, JSON.stringify({ channels: [{ id: 'hook', kind: 'webhook', url: receiver.url, secrets: [secret], timeout: '1s', retry: { initial: '20ms', max_interval: '200ms' } }], leaseMs: 2000, pollIntervalMs: 50, concurrency: 8 }));
      const db = await openStore({ url });
      await db.migrate();
      let child: ChildProcess | undefined;
      let landed = 0;
      try {
        const clock = new SystemClock();
        await db.db.transaction().execute(async (trx) => {
          for (let i = 0; i < total; i++) {
            await enqueueNotification(trx, clock, { channelId: 'hook', event: 'incident.triggered', incident: { id: `inc_${i}`, title: `incident ${i}`, severity: 'P2', status: 'triggered', url: `http://ops.test/i/${i}` } });
          }
        });
        for (let k = 0; k < kills; k++) {
          child = await startChild('test/notify/outbox-worker-child.ts', [url, config]);
          // Kill once this child has sent a few requests (a random few), not after a fixed
          // time: a fast worker could otherwise finish the whole outbox before the kill.
          const target = receiver.requests.length + 1 + Math.floor(Math.random() * 12);
          for (let i = 0; i < 6000 && receiver.requests.length < target; i++) await sleep(10);
          const counts = await countOutbox(db.db);
          if (counts.delivering > 0) inFlight++;
          // A kill lands during deliveries when requests were still waiting for their answer
          // (kill9 sends the signal before its first await).
          const now = Date.now();
          if (receiver.requests.some((r) => now - r.at < holdMs) && counts.delivered < total) landed++;
          await kill9(child);
          child = undefined;
        }
        child = await startChild('test/notify/outbox-worker-child.ts', [url, config]);
        for (let i = 0; i < (quick ? 300 : 1200); i++) {
          const c = await countOutbox(db.db);
          if (c.delivered + c.dead === total) break;
          await sleep(100);
        }
        child.kill('SIGTERM');
        await new Promise((r) => child!.once('exit', r));
        child = undefined;
        const rows = await listOutbox(db.db);
        const wh = new Webhook(secret);
        const accepted = new Map<string, number>();
        const idsByIncident = new Map<string, Set<string>>();
        let badSignatures = 0;
        receiver.requests.forEach((req, i) => {
          try {
            const payload = wh.verify(req.body, req.headers as Record<string, string>) as { data: { incident: { id: string } } };
            const id = String(req.headers['webhook-id']);
            idsByIncident.set(payload.data.incident.id, (idsByIncident.get(payload.data.incident.id) ?? new Set()).add(id));
            if (i % 2 === 1) accepted.set(id, (accepted.get(id) ?? 0) + 1);
          } catch {
            badSignatures++;
          }
        });
        const lost = rows.filter((r) => !accepted.has(r.id)).length;
        const duplicatedWithAnotherId = [...idsByIncident.values()].filter((s) => s.size > 1).length;
        const delivered = rows.length - lost;
        const duplicates = [...accepted.values()].filter((n) => n > 1).length;
        const failures: string[] = [];
        if (lost > 0) failures.push(`${lost} notifications lost`);
        if (duplicatedWithAnotherId > 0) failures.push(`${duplicatedWithAnotherId} notifications duplicated under another webhook-id`);
        if (badSignatures > 0) failures.push(`${badSignatures} requests with a bad signature`);
        return {
          figures: { sent: total, delivered, lost, 'duplicated (same id)': duplicates, 'duplicated with another id': duplicatedWithAnotherId, kills, 'kills during deliveries': landed, 'kills with a delivery leased': inFlight, requests: receiver.requests.length },
          failures,
          exercised: landed > 0,
        };
      } finally {
        if (child) await kill9(child);
        await db.close();
        await receiver.close();
        await scratch?.drop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
