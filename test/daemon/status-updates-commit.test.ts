/**
 * A re-opened incident's escalation pages its first step again, under keys of its own: before, its
 * pages met the first opening's keys in the outbox and were dropped as duplicates, so nobody was
 * paged for the re-opening. One daemon on a simulated clock, on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

const pgAvailable = await postgresUp();
const KEY = 'k'.repeat(40);

for (const target of storeTargets('opsbook-status-updates')) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`status updates and pages of an incident's changes, on ${target.name}`, () => {
    let server: DaemonApp;
    let cleanup: (() => Promise<void>) | undefined;
    const t0 = Math.floor(Date.now() / 60_000) * 60_000;
    const clock = new SimulatedClock(t0);
    const ops = () => server.daemon.operations!;
    const db = () => server.daemon.store.db;
    const runFor = async (ms: number) => {
      await clock.advance(ms, () => ops().settle(5_000));
      await ops().settle(5_000);
    };
    /** One Alertmanager notification of one alert; the incident it touched. */
    const send = async (status: 'firing' | 'resolved', name: string, severity: string, service: string) => {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/ingest/alertmanager',
        headers: { authorization: `Bearer ${KEY}` },
        payload: {
          version: '4', status, receiver: 'opsbook', groupKey: 'g', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://am',
          alerts: [{ status, labels: { alertname: name, severity, service }, annotations: { summary: name }, startsAt: new Date(clock.now()).toISOString(), fingerprint: name }],
        },
      });
      expect(res.statusCode, res.body).toBe(200);
      await ops().settle(5_000);
    };
    const incidentOf = async (service: string) => db().selectFrom('incidents').selectAll().where('service', '=', service).executeTakeFirstOrThrow();
    const rows = async (incidentId: string, event: string) => db().selectFrom('outbox').select(['id', 'dedup_key', 'payload']).where('incident_id', '=', incidentId).where('event', '=', event).orderBy('created_at').execute();
    const told = async (incidentId: string, event: string) => (await rows(incidentId, event)).length;

    beforeAll(async () => {
      const store = await target.open();
      cleanup = store.cleanup;
      server = await startDaemonApp('status-updates', {
        'ops.yaml':
          `storage:\n  url: "${store.url}"\n` +
          `integrations:\n  - { id: prom, kind: alertmanager, key: ${KEY} }\n` +
          `services:\n  - { id: shop }\n  - { id: queue }\n  - { id: disk }\n  - { id: api }\n  - { id: cache }\n` +
          // Port 9 (discard) refuses: every message stays in the outbox, retrying, which is all this test reads.
          `channels:\n  - { id: hook, kind: webhook, url: "http://127.0.0.1:9/hook", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }\n` +
          `escalation_policies:\n  - id: default\n    steps:\n      - { targets: [{ channel: hook }], timeout: 1h }\n      - { targets: [{ channel: hook }], timeout: 1h }\n`,
      }, { clock });
    }, 60_000);

    afterAll(async () => {
      await server?.close();
      await cleanup?.();
    }, 60_000);

    it('pages a re-opened incident\'s first step again, as its first opening\'s', async () => {
      await send('firing', 'Disk full', 'P1', 'disk');
      const incident = await incidentOf('disk');
      await runFor(60_000);
      await send('resolved', 'Disk full', 'P1', 'disk');
      await runFor(60_000);
      await send('firing', 'Disk full', 'P1', 'disk');
      expect(await incidentOf('disk')).toMatchObject({ state: 'triggered', reopened: 1 });
      const pages = await rows(incident.id, 'incident.triggered');
      expect(pages.map((p) => (JSON.parse(p.payload) as { incidentEpoch?: number }).incidentEpoch ?? 0)).toEqual([0, 1]);
      // Its second step pages at its timeout, once, as the first opening's would have.
      await runFor(61 * 60_000);
      expect(await told(incident.id, 'incident.escalated')).toBe(1);
    }, 120_000);
  });
}
