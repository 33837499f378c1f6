/**
 * Crash safety of the outbox, with real processes: a child runs the worker on a SQLite store; the
 * parent enqueues 1,000 notifications to a loopback receiver that fails every other request (500),
 * and kills the child with SIGKILL at random moments, restarting it each time. At the end every
 * message was delivered (answered 200) at least once, none was lost, every request carried a valid
 * Standard Webhooks signature, and duplicates share their webhook-id and bytes.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { describe, it } from 'vitest';
import { SystemClock } from '../../src/lib/clock.js';
import { enqueueNotification } from '../../src/notify/index.js';
import { startReceiver, testSecret } from '../../src/notify/test-support.js';
import { countOutbox, listOutbox, openStore } from '../../src/store/index.js';
import { IncidentService } from '../../src/incidents/index.js';
import { startCli, waitForExit } from '../support/cli.js';
import { exited, sleep, startChild } from '../support/crash.js';
import { freePort, waitForHttp } from '../support/net.js';
import { scaled } from '../support/timing.js';

const TOTAL = 1000;
const secret = testSecret(42);

const startWorker = (file: string, configPath: string): Promise<ChildProcess> => startChild('test/notify/outbox-worker-child.ts', [file, configPath]);

// The two suites run at once (each with its own receiver, folder, store and processes; most of their
// time is processes starting and the pauses between kills), each test with its own expect.
describe.concurrent('outbox under kill -9', () => {
  it('delivers every one of 1,000 notifications at least once across random crashes, duplicates under one webhook-id', async ({ expect }) => {
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
        child = await startWorker(file, configPath);
        await sleep(150 + Math.random() * 750);
        expect(child.exitCode).toBeNull(); // still running when killed
        child.kill('SIGKILL');
        await exited(child);
      }
      await enqueueing;

      child = await startWorker(file, configPath);
      for (const t0 = Date.now(); Date.now() - t0 < scaled(120_000); ) {
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
  }, scaled(900_000)); // about 40 s on a quiet 2-core machine; its waits scale with the load, this only stops a hang
});

/**
 * A page lost between the incident and its fan-out: with no escalation policy, every channel hears
 * about a new incident. `opsbook serve` takes a burst of alerts (each of its own service, so none
 * groups) and is killed with SIGKILL mid-burst; after a restart every incident has outbox rows for
 * the channel, and the receiver hears about each one (with one webhook-id per incident).
 */
describe.concurrent('pages without an escalation policy under kill -9', () => {
  it('reaches every channel for every incident committed before the crash', async ({ expect }) => {
    const receiver = await startReceiver(() => ({ status: 200 }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-page-crash-'));
    const config = path.join(dir, 'ops.yaml');
    const dbFile = path.join(dir, '.opsbook', 'opsbook.db');
    const key = 'crash-key-0123456789abcdef0123';
    fs.writeFileSync(config, `channels:\n  - id: hook\n    kind: webhook\n    url: ${receiver.url}\n    secrets: [${secret}]\n    retry:\n      initial: 50ms\n      max_interval: 500ms\nintegrations:\n  - id: prom\n    kind: alertmanager\n    key: ${key}\n`);
    let served: ReturnType<typeof startCli> | undefined;
    const start = async (): Promise<string> => {
      const port = await freePort();
      served = startCli(['serve', '--config', config, '--port', String(port), '--no-watch']);
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(`${url}/_health/ready`, 30_000, 200, served.child).catch((e: Error) => {
        throw new Error(`${e.message}\n${served!.output()}`);
      });
      return url;
    };
    try {
      let sent = 0;
      for (let round = 0; round < 2; round++) {
        const url = await start();
        const sender = async () => {
          for (;;) {
            const i = sent++;
            const body = { version: '4', groupKey: `g${i}`, status: 'firing', receiver: 'opsbook', alerts: [{ status: 'firing', labels: { alertname: 'Down', service: `svc-${i}` }, startsAt: new Date().toISOString() }] };
            const r = await fetch(`${url}/api/ingest/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) }).catch(() => undefined);
            if (!r) return;
            await r.arrayBuffer();
          }
        };
        const burst = Promise.all([sender(), sender(), sender(), sender()]);
        await sleep(500 + Math.random() * 1000);
        served!.child.kill('SIGKILL');
        await waitForExit(served!.child);
        await burst;
      }
      // The exact state a kill -9 between the incident's commit and its fan-out leaves: the
      // incident (and its audit entry) committed, its effects never applied.
      const crashed = await openStore({ url: dbFile });
      const orphan = await new IncidentService(crashed, new SystemClock(), {}).onAlert({
        kind: 'firing', ruleId: 'alertmanager:Down', dedupKey: 'orphan', labels: { alertname: 'Down', service: 'orphan' }, annotations: { summary: 'committed, never paged' }, severity: 'P2', at: Date.now(),
      });
      await crashed.close();

      await start();
      const store = await openStore({ url: dbFile });
      try {
        const unpaged = async () => {
          const rows = await store.db
            .selectFrom('incidents')
            .select('id')
            .where((eb) => eb.not(eb.exists(eb.selectFrom('outbox').select('outbox.id').whereRef('outbox.incident_id', '=', 'incidents.id'))))
            .execute();
          return rows.map((r) => r.id);
        };
        await expect.poll(unpaged, { timeout: scaled(30_000), interval: 200 }).toEqual([]);
        const incidents = await store.db.selectFrom('incidents').select('id').execute();
        expect(incidents.map((i) => i.id)).toContain(orphan!.incident.id);
        const heard = new Set<string>();
        await expect
          .poll(() => {
            for (const req of receiver.requests) heard.add((JSON.parse(req.body) as { data: { incident: { id: string } } }).data.incident.id);
            return incidents.filter((i) => !heard.has(i.id)).length;
          }, { timeout: scaled(60_000), interval: 250 })
          .toBe(0);
        console.log(`${sent} alerts sent over 2 kills; ${incidents.length} incidents, every one paged`);
      } finally {
        await store.close();
      }
    } finally {
      if (served && served.child.exitCode === null && served.child.signalCode === null) {
        served.child.kill('SIGTERM');
        await waitForExit(served.child);
      }
      await receiver.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, scaled(900_000));
});
