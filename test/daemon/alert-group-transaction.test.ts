/**
 * An alert group's new incidents commit in one transaction with their escalations, first pages
 * (outbox rows) and the pages' timeline lines. On PostgreSQL shown by holding a lock on the
 * escalations table from another connection: while the group waits for it, none of its incidents
 * is visible (they would be, committed alone, if their escalations started in a later
 * transaction). A re-opened incident in a later group still pages through its escalation. On
 * SQLite and PostgreSQL.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled } from '../support/timing.js';

const KEY = 'k'.repeat(40);
const pgAvailable = await postgresUp();

for (const target of storeTargets('opsbook-alert-group', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`an alert group's new incidents on ${target.name}`, () => {
    let server: DaemonApp;
    let receiver: http.Server;
    let cleanup: (() => Promise<void>) | undefined;
    let dbUrl = '';
    const arrived: string[] = [];

    beforeAll(async () => {
      receiver = http.createServer((q, s) => {
        let body = '';
        q.on('data', (c: Buffer) => (body += c.toString()));
        q.on('end', () => {
          arrived.push((JSON.parse(body) as { data: { incident: { title: string } } }).data.incident.title);
          s.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const db = await target.open();
      cleanup = db.cleanup;
      dbUrl = db.url;
      server = await startDaemonApp('alert-group', {
        'ops.yaml': `storage:
  url: ${db.url}
integrations:
  - { id: prom, kind: alertmanager, key: ${KEY} }
severities:
  - { id: P1, response: 15m, group_within: 0s, reopen_within: 1h }
  - { id: P2, response: 1h }
channels:
  - { id: hook, kind: webhook, url: ${url}, secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ channel: hook }], timeout: 1h }
`,
      });
    });
    afterAll(async () => {
      await server?.close();
      await new Promise<void>((r) => receiver.close(() => r()));
      await cleanup?.();
    });

    const send = (status: 'firing' | 'resolved', names: string[]) =>
      server.app.inject({
        method: 'POST',
        url: '/api/ingest/alertmanager',
        headers: { authorization: `Bearer ${KEY}` },
        payload: {
          version: '4', status, receiver: 'opsbook', groupKey: 'g', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am',
          alerts: names.map((n) => ({ status, labels: { alertname: n, severity: 'critical' }, annotations: { summary: n }, startsAt: new Date().toISOString(), fingerprint: n })),
        },
      });

    async function waitFor(what: string, done: () => boolean): Promise<void> {
      const until = Date.now() + scaled(20_000);
      while (!done()) {
        if (Date.now() > until) throw new Error(`${what}: not within the bound`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }

    it('writes the incidents, their escalations, first pages and page lines in one transaction, and pages each once', async () => {
      const res = await send('firing', ['Disk full', 'API down', 'Queue stuck']);
      expect(res.statusCode).toBe(200);
      const ids = (res.json() as { incidents: string[] }).incidents;
      expect(ids).toHaveLength(3);
      const db = server.daemon.store.db;
      expect((await db.selectFrom('escalations').select('incident_id').where('incident_id', 'in', ids).execute()).length).toBe(3);
      expect((await db.selectFrom('outbox').select('incident_id').where('incident_id', 'in', ids).execute()).length).toBe(3);
      const pageLines = await db.selectFrom('incident_timeline').select(['incident_id', 'seq']).where('incident_id', 'in', ids).where('kind', '=', 'notification').execute();
      expect(pageLines.map((l) => l.incident_id).sort()).toEqual([...ids].sort());
      await waitFor('three pages', () => arrived.length >= 3);
      await server.daemon.operations!.idle();
      expect([...arrived].sort()).toEqual(['API down', 'Disk full', 'Queue stuck']);
    });

    it.runIf(target.name === 'postgres')('shows none of the group\'s incidents while its escalations wait for a lock', async () => {
      const other = new pg.Client({ connectionString: dbUrl });
      await other.connect();
      try {
        await other.query('begin');
        await other.query('lock table escalations in exclusive mode');
        const answer = send('firing', ['Held one', 'Held two']);
        // Deterministic: wait until the group's transaction is queued behind the lock.
        const until = Date.now() + scaled(20_000);
        for (;;) {
          const waiting = await other.query("select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'escalations' and not l.granted");
          if ((waiting.rows[0] as { n: number }).n > 0) break;
          if (Date.now() > until) throw new Error('the alert group never waited for the escalations lock');
          await new Promise((r) => setTimeout(r, 20));
        }
        const visible = await other.query("select count(*)::int as n from incidents where title in ('Held one', 'Held two')");
        expect((visible.rows[0] as { n: number }).n).toBe(0);
        await other.query('commit');
        expect((await answer).statusCode).toBe(200);
        const after = await other.query("select count(*)::int as n from incidents i join escalations e on e.incident_id = i.id where i.title in ('Held one', 'Held two')");
        expect((after.rows[0] as { n: number }).n).toBe(2);
      } finally {
        await other.end();
      }
    });

    it('pages a re-opened incident again through its escalation', async () => {
      expect((await send('resolved', ['Disk full'])).statusCode).toBe(200);
      await server.daemon.operations!.idle();
      const before = arrived.filter((t) => t === 'Disk full').length;
      expect((await send('firing', ['Disk full'])).statusCode).toBe(200);
      await waitFor('the re-opened page', () => arrived.filter((t) => t === 'Disk full').length > before);
    });
  });
}
