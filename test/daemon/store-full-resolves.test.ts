/**
 * An alert that resolves while the store cannot write (a full disk) is not forgotten. One recorded
 * before the disk filled has its incident resolved once space returns (its resolve is replayed with
 * the alerts paged from memory); one paged from memory and resolved before space returned has its
 * all-clear sent from memory to the channels it paged, so nobody is left chasing an incident
 * opsbook never recorded. The full disk is a real store error (a trigger raising SQLite's and
 * PostgreSQL's disk-full message on every timeline line), on both stores; one daemon on a simulated
 * clock, one signed webhook channel on a loopback receiver.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import type { AlertEvent } from '../../src/alerts/index.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { refuseWrites } from '../support/store-faults.js';

const pgUp = await postgresUp();

interface Received {
  type: string;
  incident: string;
  status: string;
}

function event(kind: AlertEvent['kind'], name: string, at: number): AlertEvent {
  return { kind, ruleId: `am:${name}`, dedupKey: `am:${name}`, labels: { alertname: name, service: name.toLowerCase() }, annotations: { summary: `${name} is failing` }, severity: 'P2', at };
}

/** Resolves once `ok` answers true, polling every 50 ms; throws after `timeoutMs`. */
async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await ok()); ) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const target of storeTargets('opsbook-full-resolves')) {
  const dialect = target.name;
  describe.skipIf(dialect === 'postgres' && !pgUp)(`resolves while the store is full (${dialect})`, () => {
    let server: DaemonApp;
    let cleanup: (() => Promise<void>) | undefined;
    let receiver: http.Server;
    const received: Received[] = [];
    const clock = new SimulatedClock(Math.floor(Date.now() / 60_000) * 60_000);
    const ops = () => server.daemon.operations!;
    const runFor = async (ms: number) => {
      await clock.advance(ms, () => ops().settle(5_000));
      await ops().settle(5_000);
    };
    const incidentOf = async (name: string) =>
      server.daemon.store.db.selectFrom('incidents').select(['state', 'title']).where('title', '=', `${name} is failing`).executeTakeFirst();
    const full = () => refuseWrites(server.daemon.store.db, dialect, 'incident_timeline', { message: 'database or disk is full' });

    beforeAll(async () => {
      receiver = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const b = JSON.parse(body) as { type: string; data: { incident?: { id: string; status: string } } };
          if (b.data.incident) received.push({ type: b.type, incident: b.data.incident.id, status: b.data.incident.status });
          res.writeHead(200).end();
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const db = await target.open();
      cleanup = db.cleanup;
      server = await startDaemonApp(
        `full-resolves-${dialect}`,
        {
          'ops.yaml':
            `storage:\n  url: "${db.url}"\n  full_retry: 10s\n` +
            `channels:\n  - { id: hook, kind: webhook, url: "${url}", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }\n`,
        },
        { clock },
      );
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await cleanup?.();
      await new Promise((r) => receiver?.close(r));
    }, 60_000);

    it('resolves, once space returns, an incident whose alert resolved while the store was full', async () => {
      await ops().ingest(event('firing', 'Checkout', clock.now()));
      expect((await incidentOf('Checkout'))?.state).toBe('triggered');
      const heal = await full();
      await ops().ingest(event('resolved', 'Checkout', clock.now()));
      expect(ops().storeFull.status).toBeDefined();
      await heal();
      await runFor(15_000);
      await until('the store is found writable again', () => ops().storeFull.status === undefined, 30_000);
      await ops().settle(5_000);
      expect((await incidentOf('Checkout'))?.state).toBe('resolved');
    }, 60_000);

    it('sends from memory the all-clear of an alert it paged from memory and that resolved while full', async () => {
      const heal = await full();
      await ops().ingest(event('firing', 'Search', clock.now()));
      await until('the page from memory arrives', () => received.some((r) => r.type === 'incident.triggered' && r.incident.startsWith('mem-')), 30_000);
      const paged = received.find((r) => r.type === 'incident.triggered' && r.incident.startsWith('mem-'))!;
      await ops().ingest(event('resolved', 'Search', clock.now()));
      await until('its all-clear arrives', () => received.some((r) => r.type === 'incident.resolved' && r.incident === paged.incident), 30_000);
      expect(received.filter((r) => r.incident === paged.incident).map((r) => [r.type, r.status])).toEqual([
        ['incident.triggered', 'triggered'],
        ['incident.resolved', 'resolved'],
      ]);
      await heal();
      await runFor(15_000);
      await until('the store is found writable again', () => ops().storeFull.status === undefined, 30_000);
      await ops().settle(5_000);
      // Resolved before it could be recorded: no incident is opened (and paged again) for it.
      expect(await incidentOf('Search')).toBeUndefined();
    }, 60_000);
  });
}
